//! Checks of this category.

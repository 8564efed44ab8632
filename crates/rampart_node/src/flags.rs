//! Command-line flags, resolved as the Kubernetes components resolve them.
//!
//! The components parse their command lines with spf13/pflag (etcd with Go's `flag`, which accepts
//! the same `--name=value` / `--name value` forms). What is implemented:
//!
//! - `--name=value` and `--name value`; a single leading dash (`-name`) is accepted too (Go's
//!   `flag`, used by etcd).
//! - Boolean flags: `--name` alone means `true`; `--name=false` sets false. A boolean flag never
//!   takes the next argument as its value (pflag's `NoOptDefVal`): `--anonymous-auth false` sets
//!   `true` and leaves `false` as a stray argument, exactly as the component would. Which flags are
//!   boolean is known for the flags the benchmark reads ([`BOOL_FLAGS`]); any other flag followed
//!   by an argument that does not start with `-` takes it as its value.
//! - Repeated flags: the last one wins, except list flags ([`LIST_FLAGS`]: pflag `StringSlice` /
//!   `StringArray`, whose values accumulate, comma-separated) and map flags ([`MAP_FLAGS`]:
//!   `--feature-gates`, `--runtime-config`, whose `key=value` pairs merge, a later key overriding
//!   an earlier one).
//! - `--` ends the flags.

use std::collections::BTreeMap;

use rampart_model::Location;
use serde::Serialize;

/// Flags whose value is a boolean: they never consume the next argument.
pub const BOOL_FLAGS: &[&str] = &[
    "allow-privileged",
    "anonymous-auth",
    "auto-tls",
    "client-cert-auth",
    "enable-bootstrap-token-auth",
    "enable-priority-and-fairness",
    "leader-elect",
    "make-iptables-util-chains",
    "peer-auto-tls",
    "peer-client-cert-auth",
    "profiling",
    "protect-kernel-defaults",
    "rotate-certificates",
    "rotate-server-certificates",
    "seccomp-default",
    "service-account-extend-token-expiration",
    "service-account-lookup",
    "strict-reconfig-check",
    "unsafe-no-fsync",
    "use-service-account-credentials",
    "v",
];

/// Flags whose repeated occurrences accumulate (pflag `StringSlice`/`StringArray`).
pub const LIST_FLAGS: &[&str] = &[
    "admission-control",
    "api-audiences",
    "authorization-mode",
    "cipher-suites",
    "disable-admission-plugins",
    "enable-admission-plugins",
    "etcd-servers",
    "service-account-issuer",
    "service-account-key-file",
    "tls-cipher-suites",
    "tls-sni-cert-key",
];

/// Flags whose `key=value` pairs merge (pflag `mapStringBool` / `mapStringString`).
pub const MAP_FLAGS: &[&str] = &["feature-gates", "runtime-config"];

/// Where a setting came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "from", rename_all = "kebab-case")]
pub enum Origin {
    /// The command line (the process's, a static pod manifest's or a systemd unit's).
    Flag,
    /// A configuration file the component reads (`--config`), by field.
    Config { field: String },
}

/// One resolved setting: its value and where it was set.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Setting {
    pub value: String,
    pub origin: Origin,
    /// The file and line that set it, when known (a manifest's argument, a config file's field).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
}

/// The resolved flags of one component, by name without dashes.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Flags {
    pub settings: BTreeMap<String, Setting>,
    /// Arguments that are not flags (or follow `--`), in order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub positional: Vec<String>,
}

impl Flags {
    /// Parses a command line (without the program name). `locations[i]`, when given, is where the
    /// i-th argument was written.
    pub fn parse(args: &[String], locations: &[Option<Location>]) -> Flags {
        let mut flags = Flags::default();
        let mut i = 0;
        let mut rest = false;
        while i < args.len() {
            let arg = &args[i];
            let loc = locations.get(i).cloned().flatten();
            i += 1;
            if rest {
                flags.positional.push(arg.clone());
                continue;
            }
            if arg == "--" {
                rest = true;
                continue;
            }
            let Some(body) = arg.strip_prefix("--").or_else(|| arg.strip_prefix('-')) else {
                flags.positional.push(arg.clone());
                continue;
            };
            if body.is_empty() {
                flags.positional.push(arg.clone());
                continue;
            }
            let (name, value) = match body.split_once('=') {
                Some((n, v)) => (n.to_owned(), v.to_owned()),
                None if BOOL_FLAGS.contains(&body) => (body.to_owned(), "true".to_owned()),
                None => match args.get(i) {
                    Some(next) if !next.starts_with('-') => {
                        i += 1;
                        (body.to_owned(), next.clone())
                    }
                    // A flag with no value: treated as a boolean set to true.
                    _ => (body.to_owned(), "true".to_owned()),
                },
            };
            flags.set(&name, value, Origin::Flag, loc);
        }
        flags
    }

    /// Sets a flag as a repeated occurrence would: list flags accumulate, map flags merge, others
    /// are replaced.
    pub fn set(&mut self, name: &str, value: String, origin: Origin, location: Option<Location>) {
        let value = match self.settings.get(name) {
            Some(old) if old.origin == Origin::Flag && origin == Origin::Flag => {
                if LIST_FLAGS.contains(&name) {
                    if old.value.is_empty() {
                        value
                    } else {
                        format!("{},{value}", old.value)
                    }
                } else if MAP_FLAGS.contains(&name) {
                    merge_map(&old.value, &value)
                } else {
                    value
                }
            }
            _ => value,
        };
        self.settings.insert(
            name.to_owned(),
            Setting {
                value,
                origin,
                location,
            },
        );
    }

    /// Sets a value from a configuration file unless the command line already set it (flags
    /// override the config file, as the kubelet and kube-proxy do).
    pub fn set_from_config(
        &mut self,
        name: &str,
        value: String,
        field: &str,
        location: Option<Location>,
    ) {
        if self
            .settings
            .get(name)
            .is_some_and(|s| s.origin == Origin::Flag)
        {
            return;
        }
        self.settings.insert(
            name.to_owned(),
            Setting {
                value,
                origin: Origin::Config {
                    field: field.to_owned(),
                },
                location,
            },
        );
    }

    pub fn get(&self, name: &str) -> Option<&Setting> {
        self.settings.get(name)
    }

    pub fn value(&self, name: &str) -> Option<&str> {
        self.settings.get(name).map(|s| s.value.as_str())
    }

    /// The items of a comma-separated list flag, trimmed, empty items dropped.
    pub fn list(&self, name: &str) -> Vec<&str> {
        self.value(name).map(split_list).unwrap_or_default()
    }

    /// The value of `key` in a map flag (`--feature-gates=A=true,B=false`).
    pub fn map_value(&self, name: &str, key: &str) -> Option<String> {
        let v = self.value(name)?;
        split_list(v)
            .into_iter()
            .filter_map(|kv| kv.split_once('='))
            .filter(|(k, _)| k.trim() == key)
            .map(|(_, v)| v.trim().to_owned())
            .next_back()
    }
}

/// Comma-separated items, trimmed, without empty ones.
pub fn split_list(v: &str) -> Vec<&str> {
    v.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect()
}

/// Merges two `k=v,k=v` lists: keys of `later` override those of `earlier`, order of first
/// appearance kept.
fn merge_map(earlier: &str, later: &str) -> String {
    let mut out: Vec<(String, String)> = Vec::new();
    for kv in split_list(earlier).into_iter().chain(split_list(later)) {
        let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
        match out.iter_mut().find(|(key, _)| key == k.trim()) {
            Some(e) => e.1 = v.trim().to_owned(),
            None => out.push((k.trim().to_owned(), v.trim().to_owned())),
        }
    }
    out.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// True for the spellings of true that Go's `strconv.ParseBool` accepts.
pub fn is_true(v: &str) -> bool {
    matches!(v, "1" | "t" | "T" | "true" | "TRUE" | "True")
}

/// True for the spellings of false that Go's `strconv.ParseBool` accepts.
pub fn is_false(v: &str) -> bool {
    matches!(v, "0" | "f" | "F" | "false" | "FALSE" | "False")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Flags {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        Flags::parse(&args, &[])
    }

    #[test]
    fn both_forms_and_last_wins() {
        let f = parse(&[
            "--profiling=true",
            "--secure-port",
            "6443",
            "--profiling=false",
        ]);
        assert_eq!(f.value("profiling"), Some("false"));
        assert_eq!(f.value("secure-port"), Some("6443"));
    }

    #[test]
    fn bool_flags_never_take_the_next_argument() {
        let f = parse(&["--anonymous-auth", "false", "--v=2"]);
        assert_eq!(f.value("anonymous-auth"), Some("true"));
        assert_eq!(f.positional, vec!["false"]);
        let f = parse(&["--unknown-switch", "--x=1"]);
        assert_eq!(f.value("unknown-switch"), Some("true"));
    }

    #[test]
    fn list_flags_accumulate_and_map_flags_merge() {
        let f = parse(&[
            "--enable-admission-plugins=NodeRestriction",
            "--enable-admission-plugins=EventRateLimit,AlwaysPullImages",
            "--feature-gates=A=true,B=false",
            "--feature-gates=B=true",
        ]);
        assert_eq!(
            f.list("enable-admission-plugins"),
            vec!["NodeRestriction", "EventRateLimit", "AlwaysPullImages"]
        );
        assert_eq!(f.map_value("feature-gates", "B").as_deref(), Some("true"));
        assert_eq!(f.map_value("feature-gates", "A").as_deref(), Some("true"));
    }

    #[test]
    fn single_dash_and_double_dash_end() {
        let f = parse(&["-cert-file", "/a", "--", "--not-a-flag"]);
        assert_eq!(f.value("cert-file"), Some("/a"));
        assert_eq!(f.positional, vec!["--not-a-flag"]);
    }

    #[test]
    fn flags_override_config() {
        let mut f = parse(&["--read-only-port=10255"]);
        f.set_from_config("read-only-port", "0".into(), "readOnlyPort", None);
        f.set_from_config(
            "anonymous-auth",
            "false".into(),
            "authentication.anonymous.enabled",
            None,
        );
        assert_eq!(f.value("read-only-port"), Some("10255"));
        assert_eq!(f.value("anonymous-auth"), Some("false"));
    }
}

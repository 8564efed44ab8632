//! Volume sources (the fields of `VolumeSource`) and those the Pod Security Standards allow.

/// Volume sources allowed by the restricted policy (upstream `restrictedVolumes`; `image` was
/// added in place to its 1.0 revision).
pub const PSS_RESTRICTED_ALLOWED: &[&str] = &[
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "image",
    "persistentVolumeClaim",
    "projected",
    "secret",
];

/// Known volume sources the restricted policy forbids, in the order upstream tests them.
pub const PSS_RESTRICTED_FORBIDDEN: &[&str] = &[
    "hostPath",
    "gcePersistentDisk",
    "awsElasticBlockStore",
    "gitRepo",
    "nfs",
    "iscsi",
    "glusterfs",
    "rbd",
    "flexVolume",
    "cinder",
    "cephfs",
    "flocker",
    "fc",
    "azureFile",
    "vsphereVolume",
    "quobyte",
    "azureDisk",
    "photonPersistentDisk",
    "portworxVolume",
    "scaleIO",
    "storageos",
];

/// Every field of `VolumeSource`.
pub const ALL_SOURCES: &[&str] = &[
    "hostPath",
    "emptyDir",
    "gcePersistentDisk",
    "awsElasticBlockStore",
    "gitRepo",
    "secret",
    "nfs",
    "iscsi",
    "glusterfs",
    "persistentVolumeClaim",
    "rbd",
    "flexVolume",
    "cinder",
    "cephfs",
    "flocker",
    "downwardAPI",
    "fc",
    "azureFile",
    "configMap",
    "vsphereVolume",
    "quobyte",
    "azureDisk",
    "photonPersistentDisk",
    "projected",
    "portworxVolume",
    "scaleIO",
    "storageos",
    "csi",
    "ephemeral",
    "image",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allowed_and_forbidden_partition_all() {
        for s in ALL_SOURCES {
            assert_ne!(
                PSS_RESTRICTED_ALLOWED.contains(s),
                PSS_RESTRICTED_FORBIDDEN.contains(s),
                "{s}"
            );
        }
        assert_eq!(
            PSS_RESTRICTED_ALLOWED.len() + PSS_RESTRICTED_FORBIDDEN.len(),
            ALL_SOURCES.len()
        );
    }
}

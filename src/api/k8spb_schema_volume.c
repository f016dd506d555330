/*
 * k8spb_schema_volume.c - protobuf tables for Pod volumes: every in-tree
 * volume source, projections and the ephemeral claim template.
 *
 * Decoded in full rather than skipped so a Pod written as protobuf keeps its
 * volumes as a JSON client's Pod would. Tables are listed leaves first.
 */
#include "api/k8spb_schema.h"

#include <stddef.h>

static const struct k8spb_field core_HostPathVolumeSource_f[] = {
    {1, K8SPB_STRING, K8SPB_KEEPZERO, "path", NULL},
    {2, K8SPB_STRING, K8SPB_KEEPZERO, "type", NULL},
};
K8SPB_TABLE(core, HostPathVolumeSource);

static const struct k8spb_field core_EmptyDirVolumeSource_f[] = {
    {1, K8SPB_STRING, 0, "medium", NULL},
    {2, K8SPB_QUANTITY, 0, "sizeLimit", NULL},
};
K8SPB_TABLE(core, EmptyDirVolumeSource);

static const struct k8spb_field core_GCEPersistentDiskVolumeSource_f[] = {
    {1, K8SPB_STRING, K8SPB_KEEPZERO, "pdName", NULL},
    {2, K8SPB_STRING, 0, "fsType", NULL},
    {3, K8SPB_INT32, 0, "partition", NULL},
    {4, K8SPB_BOOL, 0, "readOnly", NULL},
};
K8SPB_TABLE(core, GCEPersistentDiskVolumeSource);

static const struct k8spb_field core_AWSElasticBlockStoreVolumeSource_f[] = {
    {1, K8SPB_STRING, K8SPB_KEEPZERO, "volumeID", NULL},
    {2, K8SPB_STRING, 0, "fsType", NULL},
    {3, K8SPB_INT32, 0, "partition", NULL},
    {4, K8SPB_BOOL, 0, "readOnly", NULL},
};
K8SPB_TABLE(core, AWSElasticBlockStoreVolumeSource);

static const struct k8spb_field core_GitRepoVolumeSource_f[] = {
    {1, K8SPB_STRING, K8SPB_KEEPZERO, "repository", NULL},
    {2, K8SPB_STRING, 0, "revision", NULL},
    {3, K8SPB_STRING, 0, "directory", NULL},
};
K8SPB_TABLE(core, GitRepoVolumeSource);

static const struct k8spb_field core_KeyToPath_f[] = {
    {1, K8SPB_STRING, K8SPB_KEEPZERO, "key", NULL},
    {2, K8SPB_STRING, K8SPB_KEEPZERO, "path", NULL},
    {3, K8SPB_INT32, K8SPB_KEEPZERO, "mode", NULL},
};
K8SPB_TABLE(core, KeyToPath);

static const struct k8spb_field core_SecretVolumeSource_f[] = {
    {1, K8SPB_STRING, 0, "secretName", NULL},
    {2, K8SPB_MESSAGE, K8SPB_REPEATED, "items", &k8spb_core_KeyToPath},
    {3, K8SPB_INT32, K8SPB_KEEPZERO, "defaultMode", NULL},
    {4, K8SPB_BOOL, K8SPB_KEEPZERO, "optional", NULL},
};
K8SPB_TABLE(core, SecretVolumeSource);

static const struct k8spb_field core_NFSVolumeSource_f[] = {
    {1, K8SPB_STRING, K8SPB_KEEPZERO, "server", NULL},
    {2, K8SPB_STRING, K8SPB_KEEPZERO, "path", NULL},
    {3, K8SPB_BOOL, 0, "readOnly", NULL},
};
K8SPB_TABLE(core, NFSVolumeSource);

static const struct k8spb_field core_LocalObjectReference_f[] = {
    {1, K8SPB_STRING, 0, "name", NULL},
};
K8SPB_TABLE_EXPORT(core, LocalObjectReference);

static const struct k8spb_field core_ISCSIVolumeSource_f[] = {
    {1, K8SPB_STRING, K8SPB_KEEPZERO, "targetPortal", NULL},
    {2, K8SPB_STRING, K8SPB_KEEPZERO, "iqn", NULL},
    {3, K8SPB_INT32, K8SPB_KEEPZERO, "lun", NULL},
    {4, K8SPB_STRING, 0, "iscsiInterface", NULL},
    {5, K8SPB_STRING, 0, "fsType", NULL},
    {6, K8SPB_BOOL, 0, "readOnly", NULL},
    {7, K8SPB_STRING, K8SPB_REPEATED, "portals", NULL},
    {8, K8SPB_BOOL, 0, "chapAuthDiscovery", NULL},
    {11, K8SPB_BOOL, 0, "chapAuthSession", NULL},
    {10, K8SPB_MESSAGE, 0, "secretRef", &k8spb_core_LocalObjectReference},
    {12, K8SPB_STRING, K8SPB_KEEPZERO, "initiatorName", NULL},
};
K8SPB_TABLE(core, ISCSIVolumeSource);

static const struct k8spb_field core_GlusterfsVolumeSource_f[] = {
    {1, K8SPB_STRING, K8SPB_KEEPZERO, "endpoints", NULL},
    {2, K8SPB_STRING, K8SPB_KEEPZERO, "path", NULL},
    {3, K8SPB_BOOL, 0, "readOnly", NULL},
};
K8SPB_TABLE(core, GlusterfsVolumeSource);

static const struct k8spb_field core_PersistentVolumeClaimVolumeSource_f[] = {
    {1, K8SPB_STRING, K8SPB_KEEPZERO, "claimName", NULL},
    {2, K8SPB_BOOL, 0, "readOnly", NULL},
};
K8SPB_TABLE(core, PersistentVolumeClaimVolumeSource);

static const struct k8spb_field core_RBDVolumeSource_f[] = {
    {1, K8SPB_STRING, K8SPB_REPEATED, "monitors", NULL},
    {2, K8SPB_STRING, K8SPB_KEEPZERO, "image", NULL},
    {3, K8SPB_STRING, 0, "fsType", NULL},
    {4, K8SPB_STRING, 0, "pool", NULL},
    {5, K8SPB_STRING, 0, "user", NULL},
    {6, K8SPB_STRING, 0, "keyring", NULL},
    {7, K8SPB_MESSAGE, 0, "secretRef", &k8spb_core_LocalObjectReference},
    {8, K8SPB_BOOL, 0, "readOnly", NULL},
};
K8SPB_TABLE(core, RBDVolumeSource);

static const struct k8spb_field core_FlexVolumeSource_f[] = {
    {1, K8SPB_STRING, K8SPB_KEEPZERO, "driver", NULL},
    {2, K8SPB_STRING, 0, "fsType", NULL},
    {3, K8SPB_MESSAGE, 0, "secretRef", &k8spb_core_LocalObjectReference},
    {4, K8SPB_BOOL, 0, "readOnly", NULL},
    {5, K8SPB_MAP_STRING, 0, "options", NULL},
};
K8SPB_TABLE(core, FlexVolumeSource);

static const struct k8spb_field core_CinderVolumeSource_f[] = {
    {1, K8SPB_STRING, K8SPB_KEEPZERO, "volumeID", NULL},
    {2, K8SPB_STRING, 0, "fsType", NULL},
    {3, K8SPB_BOOL, 0, "readOnly", NULL},
    {4, K8SPB_MESSAGE, 0, "secretRef", &k8spb_core_LocalObjectReference},
};
K8SPB_TABLE(core, CinderVolumeSource);

static const struct k8spb_field core_CephFSVolumeSource_f[] = {
    {1, K8SPB_STRING, K8SPB_REPEATED, "monitors", NULL},
    {2, K8SPB_STRING, 0, "path", NULL},
    {3, K8SPB_STRING, 0, "user", NULL},
    {4, K8SPB_STRING, 0, "secretFile", NULL},
    {5, K8SPB_MESSAGE, 0, "secretRef", &k8spb_core_LocalObjectReference},
    {6, K8SPB_BOOL, 0, "readOnly", NULL},
};
K8SPB_TABLE(core, CephFSVolumeSource);

static const struct k8spb_field core_FlockerVolumeSource_f[] = {
    {1, K8SPB_STRING, 0, "datasetName", NULL},
    {2, K8SPB_STRING, 0, "datasetUUID", NULL},
};
K8SPB_TABLE(core, FlockerVolumeSource);

static const struct k8spb_field core_ObjectFieldSelector_f[] = {
    {1, K8SPB_STRING, 0, "apiVersion", NULL},
    {2, K8SPB_STRING, K8SPB_KEEPZERO, "fieldPath", NULL},
};
K8SPB_TABLE_EXPORT(core, ObjectFieldSelector);

static const struct k8spb_field core_ResourceFieldSelector_f[] = {
    {1, K8SPB_STRING, 0, "containerName", NULL},
    {2, K8SPB_STRING, K8SPB_KEEPZERO, "resource", NULL},
    {3, K8SPB_QUANTITY, 0, "divisor", NULL},
};
K8SPB_TABLE_EXPORT(core, ResourceFieldSelector);

static const struct k8spb_field core_DownwardAPIVolumeFile_f[] = {
    {1, K8SPB_STRING, K8SPB_KEEPZERO, "path", NULL},
    {2, K8SPB_MESSAGE, 0, "fieldRef", &k8spb_core_ObjectFieldSelector},
    {3, K8SPB_MESSAGE, 0, "resourceFieldRef", &k8spb_core_ResourceFieldSelector},
    {4, K8SPB_INT32, K8SPB_KEEPZERO, "mode", NULL},
};
K8SPB_TABLE(core, DownwardAPIVolumeFile);

static const struct k8spb_field core_DownwardAPIVolumeSource_f[] = {
    {1, K8SPB_MESSAGE, K8SPB_REPEATED, "items", &k8spb_core_DownwardAPIVolumeFile},
    {2, K8SPB_INT32, K8SPB_KEEPZERO, "defaultMode", NULL},
};
K8SPB_TABLE(core, DownwardAPIVolumeSource);

static const struct k8spb_field core_FCVolumeSource_f[] = {
    {1, K8SPB_STRING, K8SPB_REPEATED, "targetWWNs", NULL},
    {2, K8SPB_INT32, K8SPB_KEEPZERO, "lun", NULL},
    {3, K8SPB_STRING, 0, "fsType", NULL},
    {4, K8SPB_BOOL, 0, "readOnly", NULL},
    {5, K8SPB_STRING, K8SPB_REPEATED, "wwids", NULL},
};
K8SPB_TABLE(core, FCVolumeSource);

static const struct k8spb_field core_AzureFileVolumeSource_f[] = {
    {1, K8SPB_STRING, K8SPB_KEEPZERO, "secretName", NULL},
    {2, K8SPB_STRING, K8SPB_KEEPZERO, "shareName", NULL},
    {3, K8SPB_BOOL, 0, "readOnly", NULL},
};
K8SPB_TABLE(core, AzureFileVolumeSource);

static const struct k8spb_field core_ConfigMapVolumeSource_f[] = {
    {1, K8SPB_INLINE, 0, NULL, &k8spb_core_LocalObjectReference},
    {2, K8SPB_MESSAGE, K8SPB_REPEATED, "items", &k8spb_core_KeyToPath},
    {3, K8SPB_INT32, K8SPB_KEEPZERO, "defaultMode", NULL},
    {4, K8SPB_BOOL, K8SPB_KEEPZERO, "optional", NULL},
};
K8SPB_TABLE(core, ConfigMapVolumeSource);

static const struct k8spb_field core_VsphereVirtualDiskVolumeSource_f[] = {
    {1, K8SPB_STRING, K8SPB_KEEPZERO, "volumePath", NULL},
    {2, K8SPB_STRING, 0, "fsType", NULL},
    {3, K8SPB_STRING, 0, "storagePolicyName", NULL},
    {4, K8SPB_STRING, 0, "storagePolicyID", NULL},
};
K8SPB_TABLE(core, VsphereVirtualDiskVolumeSource);

static const struct k8spb_field core_QuobyteVolumeSource_f[] = {
    {1, K8SPB_STRING, K8SPB_KEEPZERO, "registry", NULL},
    {2, K8SPB_STRING, K8SPB_KEEPZERO, "volume", NULL},
    {3, K8SPB_BOOL, 0, "readOnly", NULL},
    {4, K8SPB_STRING, 0, "user", NULL},
    {5, K8SPB_STRING, 0, "group", NULL},
    {6, K8SPB_STRING, 0, "tenant", NULL},
};
K8SPB_TABLE(core, QuobyteVolumeSource);

static const struct k8spb_field core_AzureDiskVolumeSource_f[] = {
    {1, K8SPB_STRING, K8SPB_KEEPZERO, "diskName", NULL},
    {2, K8SPB_STRING, K8SPB_KEEPZERO, "diskURI", NULL},
    {3, K8SPB_STRING, K8SPB_KEEPZERO, "cachingMode", NULL},
    {4, K8SPB_STRING, K8SPB_KEEPZERO, "fsType", NULL},
    {5, K8SPB_BOOL, K8SPB_KEEPZERO, "readOnly", NULL},
    {6, K8SPB_STRING, K8SPB_KEEPZERO, "kind", NULL},
};
K8SPB_TABLE(core, AzureDiskVolumeSource);

static const struct k8spb_field core_PhotonPersistentDiskVolumeSource_f[] = {
    {1, K8SPB_STRING, K8SPB_KEEPZERO, "pdID", NULL},
    {2, K8SPB_STRING, 0, "fsType", NULL},
};
K8SPB_TABLE(core, PhotonPersistentDiskVolumeSource);

static const struct k8spb_field core_SecretProjection_f[] = {
    {1, K8SPB_INLINE, 0, NULL, &k8spb_core_LocalObjectReference},
    {2, K8SPB_MESSAGE, K8SPB_REPEATED, "items", &k8spb_core_KeyToPath},
    {4, K8SPB_BOOL, K8SPB_KEEPZERO, "optional", NULL},
};
K8SPB_TABLE(core, SecretProjection);

static const struct k8spb_field core_DownwardAPIProjection_f[] = {
    {1, K8SPB_MESSAGE, K8SPB_REPEATED, "items", &k8spb_core_DownwardAPIVolumeFile},
};
K8SPB_TABLE(core, DownwardAPIProjection);

static const struct k8spb_field core_ConfigMapProjection_f[] = {
    {1, K8SPB_INLINE, 0, NULL, &k8spb_core_LocalObjectReference},
    {2, K8SPB_MESSAGE, K8SPB_REPEATED, "items", &k8spb_core_KeyToPath},
    {4, K8SPB_BOOL, K8SPB_KEEPZERO, "optional", NULL},
};
K8SPB_TABLE(core, ConfigMapProjection);

static const struct k8spb_field core_ServiceAccountTokenProjection_f[] = {
    {1, K8SPB_STRING, 0, "audience", NULL},
    {2, K8SPB_INT64, K8SPB_KEEPZERO, "expirationSeconds", NULL},
    {3, K8SPB_STRING, K8SPB_KEEPZERO, "path", NULL},
};
K8SPB_TABLE(core, ServiceAccountTokenProjection);

static const struct k8spb_field meta_LabelSelectorRequirement_f[] = {
    {1, K8SPB_STRING, K8SPB_KEEPZERO, "key", NULL},
    {2, K8SPB_STRING, K8SPB_KEEPZERO, "operator", NULL},
    {3, K8SPB_STRING, K8SPB_REPEATED, "values", NULL},
};
K8SPB_TABLE(meta, LabelSelectorRequirement);

static const struct k8spb_field meta_LabelSelector_f[] = {
    {1, K8SPB_MAP_STRING, 0, "matchLabels", NULL},
    {2, K8SPB_MESSAGE, K8SPB_REPEATED, "matchExpressions", &k8spb_meta_LabelSelectorRequirement},
};
K8SPB_TABLE_EXPORT(meta, LabelSelector);

static const struct k8spb_field core_ClusterTrustBundleProjection_f[] = {
    {1, K8SPB_STRING, K8SPB_KEEPZERO, "name", NULL},
    {2, K8SPB_STRING, K8SPB_KEEPZERO, "signerName", NULL},
    {3, K8SPB_MESSAGE, 0, "labelSelector", &k8spb_meta_LabelSelector},
    {5, K8SPB_BOOL, K8SPB_KEEPZERO, "optional", NULL},
    {4, K8SPB_STRING, K8SPB_KEEPZERO, "path", NULL},
};
K8SPB_TABLE(core, ClusterTrustBundleProjection);

static const struct k8spb_field core_VolumeProjection_f[] = {
    {1, K8SPB_MESSAGE, 0, "secret", &k8spb_core_SecretProjection},
    {2, K8SPB_MESSAGE, 0, "downwardAPI", &k8spb_core_DownwardAPIProjection},
    {3, K8SPB_MESSAGE, 0, "configMap", &k8spb_core_ConfigMapProjection},
    {4, K8SPB_MESSAGE, 0, "serviceAccountToken", &k8spb_core_ServiceAccountTokenProjection},
    {5, K8SPB_MESSAGE, 0, "clusterTrustBundle", &k8spb_core_ClusterTrustBundleProjection},
};
K8SPB_TABLE(core, VolumeProjection);

static const struct k8spb_field core_ProjectedVolumeSource_f[] = {
    {1, K8SPB_MESSAGE, K8SPB_REPEATED, "sources", &k8spb_core_VolumeProjection},
    {2, K8SPB_INT32, K8SPB_KEEPZERO, "defaultMode", NULL},
};
K8SPB_TABLE(core, ProjectedVolumeSource);

static const struct k8spb_field core_PortworxVolumeSource_f[] = {
    {1, K8SPB_STRING, K8SPB_KEEPZERO, "volumeID", NULL},
    {2, K8SPB_STRING, 0, "fsType", NULL},
    {3, K8SPB_BOOL, 0, "readOnly", NULL},
};
K8SPB_TABLE(core, PortworxVolumeSource);

static const struct k8spb_field core_ScaleIOVolumeSource_f[] = {
    {1, K8SPB_STRING, K8SPB_KEEPZERO, "gateway", NULL},
    {2, K8SPB_STRING, K8SPB_KEEPZERO, "system", NULL},
    {3, K8SPB_MESSAGE, 0, "secretRef", &k8spb_core_LocalObjectReference},
    {4, K8SPB_BOOL, 0, "sslEnabled", NULL},
    {5, K8SPB_STRING, 0, "protectionDomain", NULL},
    {6, K8SPB_STRING, 0, "storagePool", NULL},
    {7, K8SPB_STRING, 0, "storageMode", NULL},
    {8, K8SPB_STRING, 0, "volumeName", NULL},
    {9, K8SPB_STRING, 0, "fsType", NULL},
    {10, K8SPB_BOOL, 0, "readOnly", NULL},
};
K8SPB_TABLE(core, ScaleIOVolumeSource);

static const struct k8spb_field core_StorageOSVolumeSource_f[] = {
    {1, K8SPB_STRING, 0, "volumeName", NULL},
    {2, K8SPB_STRING, 0, "volumeNamespace", NULL},
    {3, K8SPB_STRING, 0, "fsType", NULL},
    {4, K8SPB_BOOL, 0, "readOnly", NULL},
    {5, K8SPB_MESSAGE, 0, "secretRef", &k8spb_core_LocalObjectReference},
};
K8SPB_TABLE(core, StorageOSVolumeSource);

static const struct k8spb_field core_CSIVolumeSource_f[] = {
    {1, K8SPB_STRING, K8SPB_KEEPZERO, "driver", NULL},
    {2, K8SPB_BOOL, K8SPB_KEEPZERO, "readOnly", NULL},
    {3, K8SPB_STRING, K8SPB_KEEPZERO, "fsType", NULL},
    {4, K8SPB_MAP_STRING, 0, "volumeAttributes", NULL},
    {5, K8SPB_MESSAGE, 0, "nodePublishSecretRef", &k8spb_core_LocalObjectReference},
};
K8SPB_TABLE(core, CSIVolumeSource);

static const struct k8spb_field core_VolumeResourceRequirements_f[] = {
    {1, K8SPB_MAP_QUANTITY, 0, "limits", NULL},
    {2, K8SPB_MAP_QUANTITY, 0, "requests", NULL},
};
K8SPB_TABLE(core, VolumeResourceRequirements);

static const struct k8spb_field core_TypedObjectReference_f[] = {
    {1, K8SPB_STRING, K8SPB_KEEPZERO, "apiGroup", NULL},
    {2, K8SPB_STRING, K8SPB_KEEPZERO, "kind", NULL},
    {3, K8SPB_STRING, K8SPB_KEEPZERO, "name", NULL},
    {4, K8SPB_STRING, K8SPB_KEEPZERO, "namespace", NULL},
};
K8SPB_TABLE(core, TypedObjectReference);

static const struct k8spb_field core_PersistentVolumeClaimSpec_f[] = {
    {1, K8SPB_STRING, K8SPB_REPEATED, "accessModes", NULL},
    {4, K8SPB_MESSAGE, 0, "selector", &k8spb_meta_LabelSelector},
    {2, K8SPB_MESSAGE, 0, "resources", &k8spb_core_VolumeResourceRequirements},
    {3, K8SPB_STRING, 0, "volumeName", NULL},
    {5, K8SPB_STRING, K8SPB_KEEPZERO, "storageClassName", NULL},
    {6, K8SPB_STRING, K8SPB_KEEPZERO, "volumeMode", NULL},
    {7, K8SPB_MESSAGE, 0, "dataSource", &k8spb_core_TypedLocalObjectReference},
    {8, K8SPB_MESSAGE, 0, "dataSourceRef", &k8spb_core_TypedObjectReference},
    {9, K8SPB_STRING, K8SPB_KEEPZERO, "volumeAttributesClassName", NULL},
};
K8SPB_TABLE(core, PersistentVolumeClaimSpec);

static const struct k8spb_field core_PersistentVolumeClaimTemplate_f[] = {
    {1, K8SPB_MESSAGE, 0, "metadata", &k8spb_meta_ObjectMeta},
    {2, K8SPB_MESSAGE, 0, "spec", &k8spb_core_PersistentVolumeClaimSpec},
};
K8SPB_TABLE(core, PersistentVolumeClaimTemplate);

static const struct k8spb_field core_EphemeralVolumeSource_f[] = {
    {1, K8SPB_MESSAGE, 0, "volumeClaimTemplate", &k8spb_core_PersistentVolumeClaimTemplate},
};
K8SPB_TABLE(core, EphemeralVolumeSource);

static const struct k8spb_field core_ImageVolumeSource_f[] = {
    {1, K8SPB_STRING, 0, "reference", NULL},
    {2, K8SPB_STRING, 0, "pullPolicy", NULL},
};
K8SPB_TABLE(core, ImageVolumeSource);

static const struct k8spb_field core_VolumeSource_f[] = {
    {1, K8SPB_MESSAGE, 0, "hostPath", &k8spb_core_HostPathVolumeSource},
    {2, K8SPB_MESSAGE, 0, "emptyDir", &k8spb_core_EmptyDirVolumeSource},
    {3, K8SPB_MESSAGE, 0, "gcePersistentDisk", &k8spb_core_GCEPersistentDiskVolumeSource},
    {4, K8SPB_MESSAGE, 0, "awsElasticBlockStore", &k8spb_core_AWSElasticBlockStoreVolumeSource},
    {5, K8SPB_MESSAGE, 0, "gitRepo", &k8spb_core_GitRepoVolumeSource},
    {6, K8SPB_MESSAGE, 0, "secret", &k8spb_core_SecretVolumeSource},
    {7, K8SPB_MESSAGE, 0, "nfs", &k8spb_core_NFSVolumeSource},
    {8, K8SPB_MESSAGE, 0, "iscsi", &k8spb_core_ISCSIVolumeSource},
    {9, K8SPB_MESSAGE, 0, "glusterfs", &k8spb_core_GlusterfsVolumeSource},
    {10, K8SPB_MESSAGE, 0, "persistentVolumeClaim", &k8spb_core_PersistentVolumeClaimVolumeSource},
    {11, K8SPB_MESSAGE, 0, "rbd", &k8spb_core_RBDVolumeSource},
    {12, K8SPB_MESSAGE, 0, "flexVolume", &k8spb_core_FlexVolumeSource},
    {13, K8SPB_MESSAGE, 0, "cinder", &k8spb_core_CinderVolumeSource},
    {14, K8SPB_MESSAGE, 0, "cephfs", &k8spb_core_CephFSVolumeSource},
    {15, K8SPB_MESSAGE, 0, "flocker", &k8spb_core_FlockerVolumeSource},
    {16, K8SPB_MESSAGE, 0, "downwardAPI", &k8spb_core_DownwardAPIVolumeSource},
    {17, K8SPB_MESSAGE, 0, "fc", &k8spb_core_FCVolumeSource},
    {18, K8SPB_MESSAGE, 0, "azureFile", &k8spb_core_AzureFileVolumeSource},
    {19, K8SPB_MESSAGE, 0, "configMap", &k8spb_core_ConfigMapVolumeSource},
    {20, K8SPB_MESSAGE, 0, "vsphereVolume", &k8spb_core_VsphereVirtualDiskVolumeSource},
    {21, K8SPB_MESSAGE, 0, "quobyte", &k8spb_core_QuobyteVolumeSource},
    {22, K8SPB_MESSAGE, 0, "azureDisk", &k8spb_core_AzureDiskVolumeSource},
    {23, K8SPB_MESSAGE, 0, "photonPersistentDisk", &k8spb_core_PhotonPersistentDiskVolumeSource},
    {26, K8SPB_MESSAGE, 0, "projected", &k8spb_core_ProjectedVolumeSource},
    {24, K8SPB_MESSAGE, 0, "portworxVolume", &k8spb_core_PortworxVolumeSource},
    {25, K8SPB_MESSAGE, 0, "scaleIO", &k8spb_core_ScaleIOVolumeSource},
    {27, K8SPB_MESSAGE, 0, "storageos", &k8spb_core_StorageOSVolumeSource},
    {28, K8SPB_MESSAGE, 0, "csi", &k8spb_core_CSIVolumeSource},
    {29, K8SPB_MESSAGE, 0, "ephemeral", &k8spb_core_EphemeralVolumeSource},
    {30, K8SPB_MESSAGE, 0, "image", &k8spb_core_ImageVolumeSource},
};
K8SPB_TABLE(core, VolumeSource);

static const struct k8spb_field core_Volume_f[] = {
    {1, K8SPB_STRING, K8SPB_KEEPZERO, "name", NULL},
    {2, K8SPB_INLINE, 0, NULL, &k8spb_core_VolumeSource},
};
K8SPB_TABLE_EXPORT(core, Volume);

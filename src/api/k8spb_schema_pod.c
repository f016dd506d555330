/*
 * k8spb_schema_pod.c - protobuf tables for Pod: PodSpec, containers, probes,
 * security contexts, scheduling constraints and PodStatus.
 *
 * Volumes live in k8spb_schema_volume.c. Tables are listed leaves first.
 */
#include "api/k8spb_schema.h"

#include <stddef.h>

static const struct k8spb_field core_ContainerPort_f[] = {
    {1, K8SPB_STRING, 0, "name", NULL},
    {2, K8SPB_INT32, 0, "hostPort", NULL},
    {3, K8SPB_INT32, K8SPB_KEEPZERO, "containerPort", NULL},
    {4, K8SPB_STRING, 0, "protocol", NULL},
    {5, K8SPB_STRING, 0, "hostIP", NULL},
};
K8SPB_TABLE(core, ContainerPort);

static const struct k8spb_field core_ConfigMapEnvSource_f[] = {
    {1, K8SPB_INLINE, 0, NULL, &k8spb_core_LocalObjectReference},
    {2, K8SPB_BOOL, K8SPB_KEEPZERO, "optional", NULL},
};
K8SPB_TABLE(core, ConfigMapEnvSource);

static const struct k8spb_field core_SecretEnvSource_f[] = {
    {1, K8SPB_INLINE, 0, NULL, &k8spb_core_LocalObjectReference},
    {2, K8SPB_BOOL, K8SPB_KEEPZERO, "optional", NULL},
};
K8SPB_TABLE(core, SecretEnvSource);

static const struct k8spb_field core_EnvFromSource_f[] = {
    {1, K8SPB_STRING, 0, "prefix", NULL},
    {2, K8SPB_MESSAGE, 0, "configMapRef", &k8spb_core_ConfigMapEnvSource},
    {3, K8SPB_MESSAGE, 0, "secretRef", &k8spb_core_SecretEnvSource},
};
K8SPB_TABLE(core, EnvFromSource);

static const struct k8spb_field core_ConfigMapKeySelector_f[] = {
    {1, K8SPB_INLINE, 0, NULL, &k8spb_core_LocalObjectReference},
    {2, K8SPB_STRING, K8SPB_KEEPZERO, "key", NULL},
    {3, K8SPB_BOOL, K8SPB_KEEPZERO, "optional", NULL},
};
K8SPB_TABLE(core, ConfigMapKeySelector);

static const struct k8spb_field core_SecretKeySelector_f[] = {
    {1, K8SPB_INLINE, 0, NULL, &k8spb_core_LocalObjectReference},
    {2, K8SPB_STRING, K8SPB_KEEPZERO, "key", NULL},
    {3, K8SPB_BOOL, K8SPB_KEEPZERO, "optional", NULL},
};
K8SPB_TABLE(core, SecretKeySelector);

static const struct k8spb_field core_EnvVarSource_f[] = {
    {1, K8SPB_MESSAGE, 0, "fieldRef", &k8spb_core_ObjectFieldSelector},
    {2, K8SPB_MESSAGE, 0, "resourceFieldRef", &k8spb_core_ResourceFieldSelector},
    {3, K8SPB_MESSAGE, 0, "configMapKeyRef", &k8spb_core_ConfigMapKeySelector},
    {4, K8SPB_MESSAGE, 0, "secretKeyRef", &k8spb_core_SecretKeySelector},
};
K8SPB_TABLE(core, EnvVarSource);

static const struct k8spb_field core_EnvVar_f[] = {
    {1, K8SPB_STRING, K8SPB_KEEPZERO, "name", NULL},
    {2, K8SPB_STRING, 0, "value", NULL},
    {3, K8SPB_MESSAGE, 0, "valueFrom", &k8spb_core_EnvVarSource},
};
K8SPB_TABLE(core, EnvVar);

static const struct k8spb_field core_ResourceClaim_f[] = {
    {1, K8SPB_STRING, K8SPB_KEEPZERO, "name", NULL},
    {2, K8SPB_STRING, 0, "request", NULL},
};
K8SPB_TABLE(core, ResourceClaim);

static const struct k8spb_field core_ResourceRequirements_f[] = {
    {1, K8SPB_MAP_QUANTITY, 0, "limits", NULL},
    {2, K8SPB_MAP_QUANTITY, 0, "requests", NULL},
    {3, K8SPB_MESSAGE, K8SPB_REPEATED, "claims", &k8spb_core_ResourceClaim},
};
K8SPB_TABLE(core, ResourceRequirements);

static const struct k8spb_field core_ContainerResizePolicy_f[] = {
    {1, K8SPB_STRING, K8SPB_KEEPZERO, "resourceName", NULL},
    {2, K8SPB_STRING, K8SPB_KEEPZERO, "restartPolicy", NULL},
};
K8SPB_TABLE(core, ContainerResizePolicy);

static const struct k8spb_field core_VolumeMount_f[] = {
    {1, K8SPB_STRING, K8SPB_KEEPZERO, "name", NULL},
    {2, K8SPB_BOOL, 0, "readOnly", NULL},
    {7, K8SPB_STRING, K8SPB_KEEPZERO, "recursiveReadOnly", NULL},
    {3, K8SPB_STRING, K8SPB_KEEPZERO, "mountPath", NULL},
    {4, K8SPB_STRING, 0, "subPath", NULL},
    {5, K8SPB_STRING, K8SPB_KEEPZERO, "mountPropagation", NULL},
    {6, K8SPB_STRING, 0, "subPathExpr", NULL},
};
K8SPB_TABLE(core, VolumeMount);

static const struct k8spb_field core_VolumeDevice_f[] = {
    {1, K8SPB_STRING, K8SPB_KEEPZERO, "name", NULL},
    {2, K8SPB_STRING, K8SPB_KEEPZERO, "devicePath", NULL},
};
K8SPB_TABLE(core, VolumeDevice);

static const struct k8spb_field core_ExecAction_f[] = {
    {1, K8SPB_STRING, K8SPB_REPEATED, "command", NULL},
};
K8SPB_TABLE(core, ExecAction);

static const struct k8spb_field core_HTTPHeader_f[] = {
    {1, K8SPB_STRING, K8SPB_KEEPZERO, "name", NULL},
    {2, K8SPB_STRING, K8SPB_KEEPZERO, "value", NULL},
};
K8SPB_TABLE(core, HTTPHeader);

static const struct k8spb_field core_HTTPGetAction_f[] = {
    {1, K8SPB_STRING, 0, "path", NULL},
    {2, K8SPB_INTSTR, 0, "port", NULL},
    {3, K8SPB_STRING, 0, "host", NULL},
    {4, K8SPB_STRING, 0, "scheme", NULL},
    {5, K8SPB_MESSAGE, K8SPB_REPEATED, "httpHeaders", &k8spb_core_HTTPHeader},
};
K8SPB_TABLE(core, HTTPGetAction);

static const struct k8spb_field core_TCPSocketAction_f[] = {
    {1, K8SPB_INTSTR, 0, "port", NULL},
    {2, K8SPB_STRING, 0, "host", NULL},
};
K8SPB_TABLE(core, TCPSocketAction);

static const struct k8spb_field core_GRPCAction_f[] = {
    {1, K8SPB_INT32, K8SPB_KEEPZERO, "port", NULL},
    {2, K8SPB_STRING, K8SPB_KEEPZERO, "service", NULL},
};
K8SPB_TABLE(core, GRPCAction);

static const struct k8spb_field core_ProbeHandler_f[] = {
    {1, K8SPB_MESSAGE, 0, "exec", &k8spb_core_ExecAction},
    {2, K8SPB_MESSAGE, 0, "httpGet", &k8spb_core_HTTPGetAction},
    {3, K8SPB_MESSAGE, 0, "tcpSocket", &k8spb_core_TCPSocketAction},
    {4, K8SPB_MESSAGE, 0, "grpc", &k8spb_core_GRPCAction},
};
K8SPB_TABLE(core, ProbeHandler);

static const struct k8spb_field core_Probe_f[] = {
    {1, K8SPB_INLINE, 0, NULL, &k8spb_core_ProbeHandler},
    {2, K8SPB_INT32, 0, "initialDelaySeconds", NULL},
    {3, K8SPB_INT32, 0, "timeoutSeconds", NULL},
    {4, K8SPB_INT32, 0, "periodSeconds", NULL},
    {5, K8SPB_INT32, 0, "successThreshold", NULL},
    {6, K8SPB_INT32, 0, "failureThreshold", NULL},
    {7, K8SPB_INT64, K8SPB_KEEPZERO, "terminationGracePeriodSeconds", NULL},
};
K8SPB_TABLE(core, Probe);

static const struct k8spb_field core_SleepAction_f[] = {
    {1, K8SPB_INT64, K8SPB_KEEPZERO, "seconds", NULL},
};
K8SPB_TABLE(core, SleepAction);

static const struct k8spb_field core_LifecycleHandler_f[] = {
    {1, K8SPB_MESSAGE, 0, "exec", &k8spb_core_ExecAction},
    {2, K8SPB_MESSAGE, 0, "httpGet", &k8spb_core_HTTPGetAction},
    {3, K8SPB_MESSAGE, 0, "tcpSocket", &k8spb_core_TCPSocketAction},
    {4, K8SPB_MESSAGE, 0, "sleep", &k8spb_core_SleepAction},
};
K8SPB_TABLE(core, LifecycleHandler);

static const struct k8spb_field core_Lifecycle_f[] = {
    {1, K8SPB_MESSAGE, 0, "postStart", &k8spb_core_LifecycleHandler},
    {2, K8SPB_MESSAGE, 0, "preStop", &k8spb_core_LifecycleHandler},
};
K8SPB_TABLE(core, Lifecycle);

static const struct k8spb_field core_Capabilities_f[] = {
    {1, K8SPB_STRING, K8SPB_REPEATED, "add", NULL},
    {2, K8SPB_STRING, K8SPB_REPEATED, "drop", NULL},
};
K8SPB_TABLE(core, Capabilities);

static const struct k8spb_field core_SELinuxOptions_f[] = {
    {1, K8SPB_STRING, 0, "user", NULL},
    {2, K8SPB_STRING, 0, "role", NULL},
    {3, K8SPB_STRING, 0, "type", NULL},
    {4, K8SPB_STRING, 0, "level", NULL},
};
K8SPB_TABLE(core, SELinuxOptions);

static const struct k8spb_field core_WindowsSecurityContextOptions_f[] = {
    {1, K8SPB_STRING, K8SPB_KEEPZERO, "gmsaCredentialSpecName", NULL},
    {2, K8SPB_STRING, K8SPB_KEEPZERO, "gmsaCredentialSpec", NULL},
    {3, K8SPB_STRING, K8SPB_KEEPZERO, "runAsUserName", NULL},
    {4, K8SPB_BOOL, K8SPB_KEEPZERO, "hostProcess", NULL},
};
K8SPB_TABLE(core, WindowsSecurityContextOptions);

static const struct k8spb_field core_SeccompProfile_f[] = {
    {1, K8SPB_STRING, K8SPB_KEEPZERO, "type", NULL},
    {2, K8SPB_STRING, K8SPB_KEEPZERO, "localhostProfile", NULL},
};
K8SPB_TABLE(core, SeccompProfile);

static const struct k8spb_field core_AppArmorProfile_f[] = {
    {1, K8SPB_STRING, K8SPB_KEEPZERO, "type", NULL},
    {2, K8SPB_STRING, K8SPB_KEEPZERO, "localhostProfile", NULL},
};
K8SPB_TABLE(core, AppArmorProfile);

static const struct k8spb_field core_SecurityContext_f[] = {
    {1, K8SPB_MESSAGE, 0, "capabilities", &k8spb_core_Capabilities},
    {2, K8SPB_BOOL, K8SPB_KEEPZERO, "privileged", NULL},
    {3, K8SPB_MESSAGE, 0, "seLinuxOptions", &k8spb_core_SELinuxOptions},
    {10, K8SPB_MESSAGE, 0, "windowsOptions", &k8spb_core_WindowsSecurityContextOptions},
    {4, K8SPB_INT64, K8SPB_KEEPZERO, "runAsUser", NULL},
    {8, K8SPB_INT64, K8SPB_KEEPZERO, "runAsGroup", NULL},
    {5, K8SPB_BOOL, K8SPB_KEEPZERO, "runAsNonRoot", NULL},
    {6, K8SPB_BOOL, K8SPB_KEEPZERO, "readOnlyRootFilesystem", NULL},
    {7, K8SPB_BOOL, K8SPB_KEEPZERO, "allowPrivilegeEscalation", NULL},
    {9, K8SPB_STRING, K8SPB_KEEPZERO, "procMount", NULL},
    {11, K8SPB_MESSAGE, 0, "seccompProfile", &k8spb_core_SeccompProfile},
    {12, K8SPB_MESSAGE, 0, "appArmorProfile", &k8spb_core_AppArmorProfile},
};
K8SPB_TABLE(core, SecurityContext);

static const struct k8spb_field core_Container_f[] = {
    {1, K8SPB_STRING, K8SPB_KEEPZERO, "name", NULL},
    {2, K8SPB_STRING, 0, "image", NULL},
    {3, K8SPB_STRING, K8SPB_REPEATED, "command", NULL},
    {4, K8SPB_STRING, K8SPB_REPEATED, "args", NULL},
    {5, K8SPB_STRING, 0, "workingDir", NULL},
    {6, K8SPB_MESSAGE, K8SPB_REPEATED, "ports", &k8spb_core_ContainerPort},
    {19, K8SPB_MESSAGE, K8SPB_REPEATED, "envFrom", &k8spb_core_EnvFromSource},
    {7, K8SPB_MESSAGE, K8SPB_REPEATED, "env", &k8spb_core_EnvVar},
    {8, K8SPB_MESSAGE, 0, "resources", &k8spb_core_ResourceRequirements},
    {23, K8SPB_MESSAGE, K8SPB_REPEATED, "resizePolicy", &k8spb_core_ContainerResizePolicy},
    {24, K8SPB_STRING, K8SPB_KEEPZERO, "restartPolicy", NULL},
    {9, K8SPB_MESSAGE, K8SPB_REPEATED, "volumeMounts", &k8spb_core_VolumeMount},
    {21, K8SPB_MESSAGE, K8SPB_REPEATED, "volumeDevices", &k8spb_core_VolumeDevice},
    {10, K8SPB_MESSAGE, 0, "livenessProbe", &k8spb_core_Probe},
    {11, K8SPB_MESSAGE, 0, "readinessProbe", &k8spb_core_Probe},
    {22, K8SPB_MESSAGE, 0, "startupProbe", &k8spb_core_Probe},
    {12, K8SPB_MESSAGE, 0, "lifecycle", &k8spb_core_Lifecycle},
    {13, K8SPB_STRING, 0, "terminationMessagePath", NULL},
    {20, K8SPB_STRING, 0, "terminationMessagePolicy", NULL},
    {14, K8SPB_STRING, 0, "imagePullPolicy", NULL},
    {15, K8SPB_MESSAGE, 0, "securityContext", &k8spb_core_SecurityContext},
    {16, K8SPB_BOOL, 0, "stdin", NULL},
    {17, K8SPB_BOOL, 0, "stdinOnce", NULL},
    {18, K8SPB_BOOL, 0, "tty", NULL},
};
K8SPB_TABLE(core, Container);

static const struct k8spb_field core_EphemeralContainerCommon_f[] = {
    {1, K8SPB_STRING, K8SPB_KEEPZERO, "name", NULL},
    {2, K8SPB_STRING, 0, "image", NULL},
    {3, K8SPB_STRING, K8SPB_REPEATED, "command", NULL},
    {4, K8SPB_STRING, K8SPB_REPEATED, "args", NULL},
    {5, K8SPB_STRING, 0, "workingDir", NULL},
    {6, K8SPB_MESSAGE, K8SPB_REPEATED, "ports", &k8spb_core_ContainerPort},
    {19, K8SPB_MESSAGE, K8SPB_REPEATED, "envFrom", &k8spb_core_EnvFromSource},
    {7, K8SPB_MESSAGE, K8SPB_REPEATED, "env", &k8spb_core_EnvVar},
    {8, K8SPB_MESSAGE, 0, "resources", &k8spb_core_ResourceRequirements},
    {23, K8SPB_MESSAGE, K8SPB_REPEATED, "resizePolicy", &k8spb_core_ContainerResizePolicy},
    {24, K8SPB_STRING, K8SPB_KEEPZERO, "restartPolicy", NULL},
    {9, K8SPB_MESSAGE, K8SPB_REPEATED, "volumeMounts", &k8spb_core_VolumeMount},
    {21, K8SPB_MESSAGE, K8SPB_REPEATED, "volumeDevices", &k8spb_core_VolumeDevice},
    {10, K8SPB_MESSAGE, 0, "livenessProbe", &k8spb_core_Probe},
    {11, K8SPB_MESSAGE, 0, "readinessProbe", &k8spb_core_Probe},
    {22, K8SPB_MESSAGE, 0, "startupProbe", &k8spb_core_Probe},
    {12, K8SPB_MESSAGE, 0, "lifecycle", &k8spb_core_Lifecycle},
    {13, K8SPB_STRING, 0, "terminationMessagePath", NULL},
    {20, K8SPB_STRING, 0, "terminationMessagePolicy", NULL},
    {14, K8SPB_STRING, 0, "imagePullPolicy", NULL},
    {15, K8SPB_MESSAGE, 0, "securityContext", &k8spb_core_SecurityContext},
    {16, K8SPB_BOOL, 0, "stdin", NULL},
    {17, K8SPB_BOOL, 0, "stdinOnce", NULL},
    {18, K8SPB_BOOL, 0, "tty", NULL},
};
K8SPB_TABLE(core, EphemeralContainerCommon);

static const struct k8spb_field core_EphemeralContainer_f[] = {
    {1, K8SPB_INLINE, 0, NULL, &k8spb_core_EphemeralContainerCommon},
    {2, K8SPB_STRING, 0, "targetContainerName", NULL},
};
K8SPB_TABLE(core, EphemeralContainer);

static const struct k8spb_field core_Sysctl_f[] = {
    {1, K8SPB_STRING, K8SPB_KEEPZERO, "name", NULL},
    {2, K8SPB_STRING, K8SPB_KEEPZERO, "value", NULL},
};
K8SPB_TABLE(core, Sysctl);

static const struct k8spb_field core_PodSecurityContext_f[] = {
    {1, K8SPB_MESSAGE, 0, "seLinuxOptions", &k8spb_core_SELinuxOptions},
    {8, K8SPB_MESSAGE, 0, "windowsOptions", &k8spb_core_WindowsSecurityContextOptions},
    {2, K8SPB_INT64, K8SPB_KEEPZERO, "runAsUser", NULL},
    {6, K8SPB_INT64, K8SPB_KEEPZERO, "runAsGroup", NULL},
    {3, K8SPB_BOOL, K8SPB_KEEPZERO, "runAsNonRoot", NULL},
    {4, K8SPB_INT64, K8SPB_REPEATED, "supplementalGroups", NULL},
    {12, K8SPB_STRING, K8SPB_KEEPZERO, "supplementalGroupsPolicy", NULL},
    {5, K8SPB_INT64, K8SPB_KEEPZERO, "fsGroup", NULL},
    {7, K8SPB_MESSAGE, K8SPB_REPEATED, "sysctls", &k8spb_core_Sysctl},
    {9, K8SPB_STRING, K8SPB_KEEPZERO, "fsGroupChangePolicy", NULL},
    {10, K8SPB_MESSAGE, 0, "seccompProfile", &k8spb_core_SeccompProfile},
    {11, K8SPB_MESSAGE, 0, "appArmorProfile", &k8spb_core_AppArmorProfile},
    {13, K8SPB_STRING, K8SPB_KEEPZERO, "seLinuxChangePolicy", NULL},
};
K8SPB_TABLE(core, PodSecurityContext);

static const struct k8spb_field core_NodeSelectorRequirement_f[] = {
    {1, K8SPB_STRING, K8SPB_KEEPZERO, "key", NULL},
    {2, K8SPB_STRING, K8SPB_KEEPZERO, "operator", NULL},
    {3, K8SPB_STRING, K8SPB_REPEATED, "values", NULL},
};
K8SPB_TABLE(core, NodeSelectorRequirement);

static const struct k8spb_field core_NodeSelectorTerm_f[] = {
    {1, K8SPB_MESSAGE, K8SPB_REPEATED, "matchExpressions", &k8spb_core_NodeSelectorRequirement},
    {2, K8SPB_MESSAGE, K8SPB_REPEATED, "matchFields", &k8spb_core_NodeSelectorRequirement},
};
K8SPB_TABLE(core, NodeSelectorTerm);

static const struct k8spb_field core_NodeSelector_f[] = {
    {1, K8SPB_MESSAGE, K8SPB_REPEATED, "nodeSelectorTerms", &k8spb_core_NodeSelectorTerm},
};
K8SPB_TABLE(core, NodeSelector);

static const struct k8spb_field core_PreferredSchedulingTerm_f[] = {
    {1, K8SPB_INT32, K8SPB_KEEPZERO, "weight", NULL},
    {2, K8SPB_MESSAGE, 0, "preference", &k8spb_core_NodeSelectorTerm},
};
K8SPB_TABLE(core, PreferredSchedulingTerm);

static const struct k8spb_field core_NodeAffinity_f[] = {
    {1, K8SPB_MESSAGE, 0, "requiredDuringSchedulingIgnoredDuringExecution",
     &k8spb_core_NodeSelector},
    {2, K8SPB_MESSAGE, K8SPB_REPEATED, "preferredDuringSchedulingIgnoredDuringExecution",
     &k8spb_core_PreferredSchedulingTerm},
};
K8SPB_TABLE(core, NodeAffinity);

static const struct k8spb_field core_PodAffinityTerm_f[] = {
    {1, K8SPB_MESSAGE, 0, "labelSelector", &k8spb_meta_LabelSelector},
    {2, K8SPB_STRING, K8SPB_REPEATED, "namespaces", NULL},
    {3, K8SPB_STRING, K8SPB_KEEPZERO, "topologyKey", NULL},
    {4, K8SPB_MESSAGE, 0, "namespaceSelector", &k8spb_meta_LabelSelector},
    {5, K8SPB_STRING, K8SPB_REPEATED, "matchLabelKeys", NULL},
    {6, K8SPB_STRING, K8SPB_REPEATED, "mismatchLabelKeys", NULL},
};
K8SPB_TABLE(core, PodAffinityTerm);

static const struct k8spb_field core_WeightedPodAffinityTerm_f[] = {
    {1, K8SPB_INT32, K8SPB_KEEPZERO, "weight", NULL},
    {2, K8SPB_MESSAGE, 0, "podAffinityTerm", &k8spb_core_PodAffinityTerm},
};
K8SPB_TABLE(core, WeightedPodAffinityTerm);

static const struct k8spb_field core_PodAffinity_f[] = {
    {1, K8SPB_MESSAGE, K8SPB_REPEATED, "requiredDuringSchedulingIgnoredDuringExecution",
     &k8spb_core_PodAffinityTerm},
    {2, K8SPB_MESSAGE, K8SPB_REPEATED, "preferredDuringSchedulingIgnoredDuringExecution",
     &k8spb_core_WeightedPodAffinityTerm},
};
K8SPB_TABLE(core, PodAffinity);

static const struct k8spb_field core_PodAntiAffinity_f[] = {
    {1, K8SPB_MESSAGE, K8SPB_REPEATED, "requiredDuringSchedulingIgnoredDuringExecution",
     &k8spb_core_PodAffinityTerm},
    {2, K8SPB_MESSAGE, K8SPB_REPEATED, "preferredDuringSchedulingIgnoredDuringExecution",
     &k8spb_core_WeightedPodAffinityTerm},
};
K8SPB_TABLE(core, PodAntiAffinity);

static const struct k8spb_field core_Affinity_f[] = {
    {1, K8SPB_MESSAGE, 0, "nodeAffinity", &k8spb_core_NodeAffinity},
    {2, K8SPB_MESSAGE, 0, "podAffinity", &k8spb_core_PodAffinity},
    {3, K8SPB_MESSAGE, 0, "podAntiAffinity", &k8spb_core_PodAntiAffinity},
};
K8SPB_TABLE(core, Affinity);

static const struct k8spb_field core_Toleration_f[] = {
    {1, K8SPB_STRING, 0, "key", NULL},
    {2, K8SPB_STRING, 0, "operator", NULL},
    {3, K8SPB_STRING, 0, "value", NULL},
    {4, K8SPB_STRING, 0, "effect", NULL},
    {5, K8SPB_INT64, K8SPB_KEEPZERO, "tolerationSeconds", NULL},
};
K8SPB_TABLE(core, Toleration);

static const struct k8spb_field core_HostAlias_f[] = {
    {1, K8SPB_STRING, K8SPB_KEEPZERO, "ip", NULL},
    {2, K8SPB_STRING, K8SPB_REPEATED, "hostnames", NULL},
};
K8SPB_TABLE(core, HostAlias);

static const struct k8spb_field core_PodDNSConfigOption_f[] = {
    {1, K8SPB_STRING, 0, "name", NULL},
    {2, K8SPB_STRING, K8SPB_KEEPZERO, "value", NULL},
};
K8SPB_TABLE(core, PodDNSConfigOption);

static const struct k8spb_field core_PodDNSConfig_f[] = {
    {1, K8SPB_STRING, K8SPB_REPEATED, "nameservers", NULL},
    {2, K8SPB_STRING, K8SPB_REPEATED, "searches", NULL},
    {3, K8SPB_MESSAGE, K8SPB_REPEATED, "options", &k8spb_core_PodDNSConfigOption},
};
K8SPB_TABLE(core, PodDNSConfig);

static const struct k8spb_field core_PodReadinessGate_f[] = {
    {1, K8SPB_STRING, K8SPB_KEEPZERO, "conditionType", NULL},
};
K8SPB_TABLE(core, PodReadinessGate);

static const struct k8spb_field core_TopologySpreadConstraint_f[] = {
    {1, K8SPB_INT32, K8SPB_KEEPZERO, "maxSkew", NULL},
    {2, K8SPB_STRING, K8SPB_KEEPZERO, "topologyKey", NULL},
    {3, K8SPB_STRING, K8SPB_KEEPZERO, "whenUnsatisfiable", NULL},
    {4, K8SPB_MESSAGE, 0, "labelSelector", &k8spb_meta_LabelSelector},
    {5, K8SPB_INT32, K8SPB_KEEPZERO, "minDomains", NULL},
    {6, K8SPB_STRING, K8SPB_KEEPZERO, "nodeAffinityPolicy", NULL},
    {7, K8SPB_STRING, K8SPB_KEEPZERO, "nodeTaintsPolicy", NULL},
    {8, K8SPB_STRING, K8SPB_REPEATED, "matchLabelKeys", NULL},
};
K8SPB_TABLE(core, TopologySpreadConstraint);

static const struct k8spb_field core_PodOS_f[] = {
    {1, K8SPB_STRING, K8SPB_KEEPZERO, "name", NULL},
};
K8SPB_TABLE(core, PodOS);

static const struct k8spb_field core_PodSchedulingGate_f[] = {
    {1, K8SPB_STRING, K8SPB_KEEPZERO, "name", NULL},
};
K8SPB_TABLE(core, PodSchedulingGate);

static const struct k8spb_field core_PodResourceClaim_f[] = {
    {1, K8SPB_STRING, K8SPB_KEEPZERO, "name", NULL},
    {3, K8SPB_STRING, K8SPB_KEEPZERO, "resourceClaimName", NULL},
    {4, K8SPB_STRING, K8SPB_KEEPZERO, "resourceClaimTemplateName", NULL},
};
K8SPB_TABLE(core, PodResourceClaim);

static const struct k8spb_field core_PodSpec_f[] = {
    {1, K8SPB_MESSAGE, K8SPB_REPEATED, "volumes", &k8spb_core_Volume},
    {20, K8SPB_MESSAGE, K8SPB_REPEATED, "initContainers", &k8spb_core_Container},
    {2, K8SPB_MESSAGE, K8SPB_REPEATED, "containers", &k8spb_core_Container},
    {34, K8SPB_MESSAGE, K8SPB_REPEATED, "ephemeralContainers", &k8spb_core_EphemeralContainer},
    {3, K8SPB_STRING, 0, "restartPolicy", NULL},
    {4, K8SPB_INT64, K8SPB_KEEPZERO, "terminationGracePeriodSeconds", NULL},
    {5, K8SPB_INT64, K8SPB_KEEPZERO, "activeDeadlineSeconds", NULL},
    {6, K8SPB_STRING, 0, "dnsPolicy", NULL},
    {7, K8SPB_MAP_STRING, 0, "nodeSelector", NULL},
    {8, K8SPB_STRING, 0, "serviceAccountName", NULL},
    {9, K8SPB_STRING, 0, "serviceAccount", NULL},
    {21, K8SPB_BOOL, K8SPB_KEEPZERO, "automountServiceAccountToken", NULL},
    {10, K8SPB_STRING, 0, "nodeName", NULL},
    {11, K8SPB_BOOL, 0, "hostNetwork", NULL},
    {12, K8SPB_BOOL, 0, "hostPID", NULL},
    {13, K8SPB_BOOL, 0, "hostIPC", NULL},
    {27, K8SPB_BOOL, K8SPB_KEEPZERO, "shareProcessNamespace", NULL},
    {14, K8SPB_MESSAGE, 0, "securityContext", &k8spb_core_PodSecurityContext},
    {15, K8SPB_MESSAGE, K8SPB_REPEATED, "imagePullSecrets", &k8spb_core_LocalObjectReference},
    {16, K8SPB_STRING, 0, "hostname", NULL},
    {17, K8SPB_STRING, 0, "subdomain", NULL},
    {18, K8SPB_MESSAGE, 0, "affinity", &k8spb_core_Affinity},
    {19, K8SPB_STRING, 0, "schedulerName", NULL},
    {22, K8SPB_MESSAGE, K8SPB_REPEATED, "tolerations", &k8spb_core_Toleration},
    {23, K8SPB_MESSAGE, K8SPB_REPEATED, "hostAliases", &k8spb_core_HostAlias},
    {24, K8SPB_STRING, 0, "priorityClassName", NULL},
    {25, K8SPB_INT32, K8SPB_KEEPZERO, "priority", NULL},
    {26, K8SPB_MESSAGE, 0, "dnsConfig", &k8spb_core_PodDNSConfig},
    {28, K8SPB_MESSAGE, K8SPB_REPEATED, "readinessGates", &k8spb_core_PodReadinessGate},
    {29, K8SPB_STRING, K8SPB_KEEPZERO, "runtimeClassName", NULL},
    {30, K8SPB_BOOL, K8SPB_KEEPZERO, "enableServiceLinks", NULL},
    {31, K8SPB_STRING, K8SPB_KEEPZERO, "preemptionPolicy", NULL},
    {32, K8SPB_MAP_QUANTITY, 0, "overhead", NULL},
    {33, K8SPB_MESSAGE, K8SPB_REPEATED, "topologySpreadConstraints",
     &k8spb_core_TopologySpreadConstraint},
    {35, K8SPB_BOOL, K8SPB_KEEPZERO, "setHostnameAsFQDN", NULL},
    {36, K8SPB_MESSAGE, 0, "os", &k8spb_core_PodOS},
    {37, K8SPB_BOOL, K8SPB_KEEPZERO, "hostUsers", NULL},
    {38, K8SPB_MESSAGE, K8SPB_REPEATED, "schedulingGates", &k8spb_core_PodSchedulingGate},
    {39, K8SPB_MESSAGE, K8SPB_REPEATED, "resourceClaims", &k8spb_core_PodResourceClaim},
    {40, K8SPB_MESSAGE, 0, "resources", &k8spb_core_ResourceRequirements},
};
K8SPB_TABLE(core, PodSpec);

static const struct k8spb_field core_PodCondition_f[] = {
    {1, K8SPB_STRING, K8SPB_KEEPZERO, "type", NULL},
    {2, K8SPB_STRING, K8SPB_KEEPZERO, "status", NULL},
    {3, K8SPB_TIME, 0, "lastProbeTime", NULL},
    {4, K8SPB_TIME, 0, "lastTransitionTime", NULL},
    {5, K8SPB_STRING, 0, "reason", NULL},
    {6, K8SPB_STRING, 0, "message", NULL},
};
K8SPB_TABLE(core, PodCondition);

static const struct k8spb_field core_HostIP_f[] = {
    {1, K8SPB_STRING, K8SPB_KEEPZERO, "ip", NULL},
};
K8SPB_TABLE(core, HostIP);

static const struct k8spb_field core_PodIP_f[] = {
    {1, K8SPB_STRING, K8SPB_KEEPZERO, "ip", NULL},
};
K8SPB_TABLE(core, PodIP);

static const struct k8spb_field core_ContainerStateWaiting_f[] = {
    {1, K8SPB_STRING, 0, "reason", NULL},
    {2, K8SPB_STRING, 0, "message", NULL},
};
K8SPB_TABLE(core, ContainerStateWaiting);

static const struct k8spb_field core_ContainerStateRunning_f[] = {
    {1, K8SPB_TIME, 0, "startedAt", NULL},
};
K8SPB_TABLE(core, ContainerStateRunning);

static const struct k8spb_field core_ContainerStateTerminated_f[] = {
    {1, K8SPB_INT32, K8SPB_KEEPZERO, "exitCode", NULL},
    {2, K8SPB_INT32, 0, "signal", NULL},
    {3, K8SPB_STRING, 0, "reason", NULL},
    {4, K8SPB_STRING, 0, "message", NULL},
    {5, K8SPB_TIME, 0, "startedAt", NULL},
    {6, K8SPB_TIME, 0, "finishedAt", NULL},
    {7, K8SPB_STRING, 0, "containerID", NULL},
};
K8SPB_TABLE(core, ContainerStateTerminated);

static const struct k8spb_field core_ContainerState_f[] = {
    {1, K8SPB_MESSAGE, 0, "waiting", &k8spb_core_ContainerStateWaiting},
    {2, K8SPB_MESSAGE, 0, "running", &k8spb_core_ContainerStateRunning},
    {3, K8SPB_MESSAGE, 0, "terminated", &k8spb_core_ContainerStateTerminated},
};
K8SPB_TABLE(core, ContainerState);

static const struct k8spb_field core_VolumeMountStatus_f[] = {
    {1, K8SPB_STRING, K8SPB_KEEPZERO, "name", NULL},
    {2, K8SPB_STRING, K8SPB_KEEPZERO, "mountPath", NULL},
    {3, K8SPB_BOOL, 0, "readOnly", NULL},
    {4, K8SPB_STRING, K8SPB_KEEPZERO, "recursiveReadOnly", NULL},
};
K8SPB_TABLE(core, VolumeMountStatus);

static const struct k8spb_field core_LinuxContainerUser_f[] = {
    {1, K8SPB_INT64, K8SPB_KEEPZERO, "uid", NULL},
    {2, K8SPB_INT64, K8SPB_KEEPZERO, "gid", NULL},
    {3, K8SPB_INT64, K8SPB_REPEATED, "supplementalGroups", NULL},
};
K8SPB_TABLE(core, LinuxContainerUser);

static const struct k8spb_field core_ContainerUser_f[] = {
    {1, K8SPB_MESSAGE, 0, "linux", &k8spb_core_LinuxContainerUser},
};
K8SPB_TABLE(core, ContainerUser);

static const struct k8spb_field core_ResourceHealth_f[] = {
    {1, K8SPB_STRING, K8SPB_KEEPZERO, "resourceID", NULL},
    {2, K8SPB_STRING, 0, "health", NULL},
};
K8SPB_TABLE(core, ResourceHealth);

static const struct k8spb_field core_ResourceStatus_f[] = {
    {1, K8SPB_STRING, K8SPB_KEEPZERO, "name", NULL},
    {2, K8SPB_MESSAGE, K8SPB_REPEATED, "resources", &k8spb_core_ResourceHealth},
};
K8SPB_TABLE(core, ResourceStatus);

static const struct k8spb_field core_ContainerStatus_f[] = {
    {1, K8SPB_STRING, K8SPB_KEEPZERO, "name", NULL},
    {2, K8SPB_MESSAGE, 0, "state", &k8spb_core_ContainerState},
    {3, K8SPB_MESSAGE, 0, "lastState", &k8spb_core_ContainerState},
    {4, K8SPB_BOOL, K8SPB_KEEPZERO, "ready", NULL},
    {5, K8SPB_INT32, K8SPB_KEEPZERO, "restartCount", NULL},
    {6, K8SPB_STRING, K8SPB_KEEPZERO, "image", NULL},
    {7, K8SPB_STRING, K8SPB_KEEPZERO, "imageID", NULL},
    {8, K8SPB_STRING, 0, "containerID", NULL},
    {9, K8SPB_BOOL, K8SPB_KEEPZERO, "started", NULL},
    {10, K8SPB_MAP_QUANTITY, 0, "allocatedResources", NULL},
    {11, K8SPB_MESSAGE, 0, "resources", &k8spb_core_ResourceRequirements},
    {12, K8SPB_MESSAGE, K8SPB_REPEATED, "volumeMounts", &k8spb_core_VolumeMountStatus},
    {13, K8SPB_MESSAGE, 0, "user", &k8spb_core_ContainerUser},
    {14, K8SPB_MESSAGE, K8SPB_REPEATED, "allocatedResourcesStatus", &k8spb_core_ResourceStatus},
};
K8SPB_TABLE(core, ContainerStatus);

static const struct k8spb_field core_PodResourceClaimStatus_f[] = {
    {1, K8SPB_STRING, K8SPB_KEEPZERO, "name", NULL},
    {2, K8SPB_STRING, K8SPB_KEEPZERO, "resourceClaimName", NULL},
};
K8SPB_TABLE(core, PodResourceClaimStatus);

static const struct k8spb_field core_PodStatus_f[] = {
    {1, K8SPB_STRING, 0, "phase", NULL},
    {2, K8SPB_MESSAGE, K8SPB_REPEATED, "conditions", &k8spb_core_PodCondition},
    {3, K8SPB_STRING, 0, "message", NULL},
    {4, K8SPB_STRING, 0, "reason", NULL},
    {11, K8SPB_STRING, 0, "nominatedNodeName", NULL},
    {5, K8SPB_STRING, 0, "hostIP", NULL},
    {16, K8SPB_MESSAGE, K8SPB_REPEATED, "hostIPs", &k8spb_core_HostIP},
    {6, K8SPB_STRING, 0, "podIP", NULL},
    {12, K8SPB_MESSAGE, K8SPB_REPEATED, "podIPs", &k8spb_core_PodIP},
    {7, K8SPB_TIME, 0, "startTime", NULL},
    {10, K8SPB_MESSAGE, K8SPB_REPEATED, "initContainerStatuses", &k8spb_core_ContainerStatus},
    {8, K8SPB_MESSAGE, K8SPB_REPEATED, "containerStatuses", &k8spb_core_ContainerStatus},
    {9, K8SPB_STRING, 0, "qosClass", NULL},
    {13, K8SPB_MESSAGE, K8SPB_REPEATED, "ephemeralContainerStatuses", &k8spb_core_ContainerStatus},
    {14, K8SPB_STRING, 0, "resize", NULL},
    {15, K8SPB_MESSAGE, K8SPB_REPEATED, "resourceClaimStatuses",
     &k8spb_core_PodResourceClaimStatus},
};
K8SPB_TABLE(core, PodStatus);

static const struct k8spb_field core_Pod_f[] = {
    {1, K8SPB_MESSAGE, 0, "metadata", &k8spb_meta_ObjectMeta},
    {2, K8SPB_MESSAGE, 0, "spec", &k8spb_core_PodSpec},
    {3, K8SPB_MESSAGE, 0, "status", &k8spb_core_PodStatus},
};
K8SPB_TABLE_EXPORT(core, Pod);

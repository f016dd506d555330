/*
 * openapi_schema_pod.c - core/v1 Pod and the types under it.
 *
 * Fields users set in manifests are modelled; deep areas svcnet does not
 * interpret (securityContext, affinity, lifecycle, most volume sources) are
 * free-form objects that preserve unknown fields, so explain and server-side
 * validation still accept them.
 */
#include "server/openapi_schema.h"

#include <stddef.h>

#define MERGE_BY(k) .merge_key = k, .strategy = "merge", .list_type = "map", .map_keys = k

static const struct oa_field pod[] = {
    F_APIVERSION,
    F_KIND,
    F_METADATA,
    F_REF("spec", OA_CORE "PodSpec", "Specification of the desired behavior of the pod.",
          .flags = OA_DEF_OBJ),
    F_REF("status", OA_CORE "PodStatus", "Most recently observed status of the pod.",
          .flags = OA_DEF_OBJ),
    F_END,
};

static const struct oa_field pod_spec[] = {
    F_I64("activeDeadlineSeconds", "Duration the pod may be active before it is failed."),
    F_ANY("affinity", "The pod's scheduling constraints."),
    F_BOOL("automountServiceAccountToken", "Whether a service account token is mounted."),
    F_AREF("containers", OA_CORE "Container", "Containers belonging to the pod.", .flags = OA_REQ,
           MERGE_BY("name")),
    F_REF("dnsConfig", OA_CORE "PodDNSConfig", "DNS parameters of the pod."),
    F_STR("dnsPolicy", "DNS policy: ClusterFirstWithHostNet, ClusterFirst, Default or None."),
    F_BOOL("enableServiceLinks", "Whether service environment variables are injected."),
    F_AANY("ephemeralContainers", "Ephemeral containers run in this pod.", MERGE_BY("name")),
    F_AREF("hostAliases", OA_CORE "HostAlias", "Entries added to the pod's hosts file.",
           MERGE_BY("ip")),
    F_BOOL("hostIPC", "Use the host's ipc namespace."),
    F_BOOL("hostNetwork", "Use the host's network namespace."),
    F_BOOL("hostPID", "Use the host's pid namespace."),
    F_BOOL("hostUsers", "Use the host's user namespace."),
    F_STR("hostname", "The hostname of the pod."),
    F_AREF("imagePullSecrets", OA_CORE "LocalObjectReference", "Secrets used to pull the images.",
           MERGE_BY("name")),
    F_AREF("initContainers", OA_CORE "Container", "Initialization containers of the pod.",
           MERGE_BY("name")),
    F_STR("nodeName", "The node the pod is bound to."),
    F_MSTR("nodeSelector", "Labels a node must have for the pod to fit it.", .flags = OA_ATOMIC),
    F_REF("os", OA_CORE "PodOS", "The OS of the containers in the pod."),
    F_MREF("overhead", OA_QTY, "Resource overhead of running the pod."),
    F_STR("preemptionPolicy", "Policy for preempting lower priority pods."),
    F_I32("priority", "The priority value."),
    F_STR("priorityClassName", "The pod's priority class."),
    F_AREF("readinessGates", OA_CORE "PodReadinessGate", "Conditions evaluated for pod readiness.",
           .list_type = "atomic"),
    F_AANY("resourceClaims", "Resource claims the pod may use.", .merge_key = "name",
           .strategy = "merge,retainKeys", .list_type = "map", .map_keys = "name"),
    F_REF("resources", OA_CORE "ResourceRequirements", "Total resources of the pod."),
    F_STR("restartPolicy", "Restart policy for all containers: Always, OnFailure or Never."),
    F_STR("runtimeClassName", "The RuntimeClass used to run the pod."),
    F_STR("schedulerName", "The scheduler that dispatches the pod."),
    F_AREF("schedulingGates", OA_CORE "PodSchedulingGate", "Gates blocking scheduling.",
           MERGE_BY("name")),
    F_ANY("securityContext", "Pod-level security attributes."),
    F_STR("serviceAccount", "Deprecated alias for serviceAccountName."),
    F_STR("serviceAccountName", "The service account used to run the pod."),
    F_BOOL("setHostnameAsFQDN", "Set the pod's hostname to its FQDN."),
    F_BOOL("shareProcessNamespace", "Share a single process namespace between containers."),
    F_STR("subdomain", "The pod's subdomain: <hostname>.<subdomain>.<ns>.svc.<domain>."),
    F_I64("terminationGracePeriodSeconds", "Seconds the pod needs to terminate gracefully."),
    F_AREF("tolerations", OA_CORE "Toleration", "The pod's tolerations.", .list_type = "atomic"),
    F_AANY("topologySpreadConstraints", "How pods spread across topology domains.",
           .merge_key = "topologyKey", .strategy = "merge", .list_type = "map",
           .map_keys = "topologyKey,whenUnsatisfiable"),
    F_AREF("volumes", OA_CORE "Volume", "Volumes that containers may mount.", .merge_key = "name",
           .strategy = "merge,retainKeys", .list_type = "map", .map_keys = "name"),
    F_END,
};

static const struct oa_field container[] = {
    F_ASTR("args", "Arguments to the entrypoint.", .list_type = "atomic"),
    F_ASTR("command", "Entrypoint array, not executed within a shell.", .list_type = "atomic"),
    F_AREF("env", OA_CORE "EnvVar", "Environment variables to set in the container.",
           MERGE_BY("name")),
    F_AREF("envFrom", OA_CORE "EnvFromSource", "Sources to populate environment variables.",
           .list_type = "atomic"),
    F_STR("image", "Container image name."),
    F_STR("imagePullPolicy", "Image pull policy: Always, Never or IfNotPresent."),
    F_ANY("lifecycle", "Actions the system takes in response to container lifecycle events."),
    F_REF("livenessProbe", OA_CORE "Probe", "Periodic probe of container liveness."),
    F_STR("name", "Name of the container, a DNS label.", .flags = OA_REQ | OA_DEF_STR),
    F_AREF("ports", OA_CORE "ContainerPort", "Ports to expose from the container.",
           .merge_key = "containerPort", .strategy = "merge", .list_type = "map",
           .map_keys = "containerPort,protocol"),
    F_REF("readinessProbe", OA_CORE "Probe", "Periodic probe of container service readiness."),
    F_AANY("resizePolicy", "Resources resize policy for the container.", .list_type = "atomic"),
    F_REF("resources", OA_CORE "ResourceRequirements", "Compute resources of the container.",
          .flags = OA_DEF_OBJ),
    F_STR("restartPolicy", "Restart behavior of an init container (Always for sidecars)."),
    F_ANY("securityContext", "Security options the container should run with."),
    F_REF("startupProbe", OA_CORE "Probe", "Probe indicating the pod has initialized."),
    F_BOOL("stdin", "Allocate a buffer for stdin in the container runtime."),
    F_BOOL("stdinOnce", "Close stdin after the first attach."),
    F_STR("terminationMessagePath", "File the termination message is written to."),
    F_STR("terminationMessagePolicy", "How the termination message is populated."),
    F_BOOL("tty", "Allocate a TTY."),
    F_AANY("volumeDevices", "Block devices to be used by the container.", MERGE_BY("devicePath")),
    F_AREF("volumeMounts", OA_CORE "VolumeMount", "Volumes to mount into the filesystem.",
           MERGE_BY("mountPath")),
    F_STR("workingDir", "Container's working directory."),
    F_END,
};

static const struct oa_field container_port[] = {
    F_I32("containerPort", "Port number to expose on the pod's IP address.", .flags = OA_REQ),
    F_STR("hostIP", "Host IP to bind the external port to."),
    F_I32("hostPort", "Port number to expose on the host."),
    F_STR("name", "An IANA_SVC_NAME unique within the pod."),
    F_STR("protocol", "Protocol for port: UDP, TCP or SCTP. Defaults to TCP.", .dflt = "\"TCP\""),
    F_END,
};

static const struct oa_field env_var[] = {
    F_STR("name", "Name of the environment variable.", .flags = OA_REQ | OA_DEF_STR),
    F_STR("value", "Value of the variable; $(VAR_NAME) references are expanded."),
    F_REF("valueFrom", OA_CORE "EnvVarSource", "Source for the variable's value."),
    F_END,
};

static const struct oa_field env_var_source[] = {
    F_REF("configMapKeyRef", OA_CORE "ConfigMapKeySelector", "Selects a key of a ConfigMap."),
    F_REF("fieldRef", OA_CORE "ObjectFieldSelector", "Selects a field of the pod."),
    F_REF("resourceFieldRef", OA_CORE "ResourceFieldSelector",
          "Selects a resource of the container."),
    F_REF("secretKeyRef", OA_CORE "SecretKeySelector", "Selects a key of a secret."),
    F_END,
};

static const struct oa_field key_selector[] = {
    F_STR("key", "The key to select.", .flags = OA_REQ | OA_DEF_STR),
    F_STR("name", "Name of the referent.", .flags = OA_DEF_STR),
    F_BOOL("optional", "Specify whether the referent or its key must be defined."),
    F_END,
};

static const struct oa_field object_field_selector[] = {
    F_STR("apiVersion", "Version of the schema the FieldPath is written in."),
    F_STR("fieldPath", "Path of the field to select.", .flags = OA_REQ | OA_DEF_STR),
    F_END,
};

static const struct oa_field resource_field_selector[] = {
    F_STR("containerName", "Container name."),
    F_REF("divisor", OA_QTY, "Output format of the exposed resources."),
    F_STR("resource", "Resource to select.", .flags = OA_REQ | OA_DEF_STR),
    F_END,
};

static const struct oa_field env_from_source[] = {
    F_REF("configMapRef", OA_CORE "ConfigMapEnvSource", "The ConfigMap to select from."),
    F_STR("prefix", "Prefix prepended to each key."),
    F_REF("secretRef", OA_CORE "SecretEnvSource", "The Secret to select from."),
    F_END,
};

static const struct oa_field env_source[] = {
    F_STR("name", "Name of the referent.", .flags = OA_DEF_STR),
    F_BOOL("optional", "Specify whether the referent must be defined."),
    F_END,
};

static const struct oa_field probe[] = {
    F_REF("exec", OA_CORE "ExecAction", "Exec specifies a command to execute."),
    F_I32("failureThreshold", "Consecutive failures for the probe to be considered failed."),
    F_REF("grpc", OA_CORE "GRPCAction", "GRPC specifies a GRPC HealthCheckRequest."),
    F_REF("httpGet", OA_CORE "HTTPGetAction", "HTTPGet specifies an HTTP GET request."),
    F_I32("initialDelaySeconds", "Seconds after the container started before probing."),
    F_I32("periodSeconds", "How often (in seconds) to perform the probe."),
    F_I32("successThreshold", "Consecutive successes for the probe to be considered good."),
    F_REF("tcpSocket", OA_CORE "TCPSocketAction", "TCPSocket specifies a connection to a port."),
    F_I64("terminationGracePeriodSeconds", "Grace period after a probe failure."),
    F_I32("timeoutSeconds", "Seconds after which the probe times out."),
    F_END,
};

static const struct oa_field exec_action[] = {
    F_ASTR("command", "Command line to execute inside the container.", .list_type = "atomic"),
    F_END,
};

static const struct oa_field http_get_action[] = {
    F_STR("host", "Host name to connect to, defaults to the pod IP."),
    F_AREF("httpHeaders", OA_CORE "HTTPHeader", "Custom headers to set in the request.",
           .list_type = "atomic"),
    F_STR("path", "Path to access on the HTTP server."),
    F_REF("port", OA_INTSTR, "Name or number of the port to access.", .flags = OA_REQ),
    F_STR("scheme", "Scheme to use for connecting to the host. Defaults to HTTP."),
    F_END,
};

static const struct oa_field http_header[] = {
    F_STR("name", "The header field name.", .flags = OA_REQ | OA_DEF_STR),
    F_STR("value", "The header field value.", .flags = OA_REQ | OA_DEF_STR),
    F_END,
};

static const struct oa_field tcp_socket_action[] = {
    F_STR("host", "Host name to connect to, defaults to the pod IP."),
    F_REF("port", OA_INTSTR, "Number or name of the port to access.", .flags = OA_REQ),
    F_END,
};

static const struct oa_field grpc_action[] = {
    F_I32("port", "Port number of the gRPC service.", .flags = OA_REQ),
    F_STR("service", "Name of the service placed in the gRPC HealthCheckRequest.",
          .flags = OA_DEF_STR),
    F_END,
};

static const struct oa_field resource_requirements[] = {
    F_AREF("claims", OA_CORE "ResourceClaim", "Names of resources defined in resourceClaims.",
           .list_type = "map", .map_keys = "name"),
    F_MREF("limits", OA_QTY, "Maximum amount of compute resources allowed."),
    F_MREF("requests", OA_QTY, "Minimum amount of compute resources required."),
    F_END,
};

static const struct oa_field resource_claim[] = {
    F_STR("name", "Name of an entry in pod.spec.resourceClaims.", .flags = OA_REQ | OA_DEF_STR),
    F_STR("request", "Name of a request in the referenced claim."),
    F_END,
};

static const struct oa_field volume_mount[] = {
    F_STR("mountPath", "Path within the container to mount the volume at.",
          .flags = OA_REQ | OA_DEF_STR),
    F_STR("mountPropagation", "How mounts are propagated from the host to the container."),
    F_STR("name", "Must match the name of a volume.", .flags = OA_REQ | OA_DEF_STR),
    F_BOOL("readOnly", "Mounted read-only if true."),
    F_STR("recursiveReadOnly", "Whether read-only mounts are handled recursively."),
    F_STR("subPath", "Path within the volume to mount."),
    F_STR("subPathExpr", "Expanded path within the volume to mount."),
    F_END,
};

static const struct oa_field volume[] = {
    F_ANY("configMap", "A ConfigMap that should populate this volume."),
    F_ANY("csi", "Ephemeral storage handled by a CSI driver."),
    F_ANY("downwardAPI", "Downward API about the pod that should populate this volume."),
    F_ANY("emptyDir", "A temporary directory that shares the pod's lifetime."),
    F_ANY("ephemeral", "A volume handled by a cluster storage driver."),
    F_ANY("hostPath", "A pre-existing file or directory on the host."),
    F_ANY("image", "An OCI object (container image or artifact)."),
    F_STR("name", "Name of the volume, a DNS label.", .flags = OA_REQ | OA_DEF_STR),
    F_ANY("nfs", "An NFS mount on the host."),
    F_ANY("persistentVolumeClaim", "A reference to a PersistentVolumeClaim."),
    F_ANY("projected", "Items for all-in-one resources secrets, configmaps and downward API."),
    F_ANY("secret", "A secret that should populate this volume."),
    F_END,
};

static const struct oa_field local_object_reference[] = {
    F_STR("name", "Name of the referent.", .flags = OA_DEF_STR),
    F_END,
};

static const struct oa_field host_alias[] = {
    F_ASTR("hostnames", "Hostnames for the above IP address.", .list_type = "atomic"),
    F_STR("ip", "IP address of the host file entry.", .flags = OA_REQ | OA_DEF_STR),
    F_END,
};

static const struct oa_field pod_dns_config[] = {
    F_ASTR("nameservers", "DNS name server IP addresses.", .list_type = "atomic"),
    F_AREF("options", OA_CORE "PodDNSConfigOption", "DNS resolver options.", .list_type = "atomic"),
    F_ASTR("searches", "DNS search domains for host-name lookup.", .list_type = "atomic"),
    F_END,
};

static const struct oa_field pod_dns_config_option[] = {
    F_STR("name", "Name of the option."),
    F_STR("value", "Value of the option."),
    F_END,
};

static const struct oa_field pod_os[] = {
    F_STR("name", "Name of the operating system: linux or windows.", .flags = OA_REQ | OA_DEF_STR),
    F_END,
};

static const struct oa_field pod_readiness_gate[] = {
    F_STR("conditionType", "A condition in the pod's condition list.",
          .flags = OA_REQ | OA_DEF_STR),
    F_END,
};

static const struct oa_field pod_scheduling_gate[] = {
    F_STR("name", "Name of the scheduling gate.", .flags = OA_REQ | OA_DEF_STR),
    F_END,
};

static const struct oa_field toleration[] = {
    F_STR("effect", "Taint effect to match: NoSchedule, PreferNoSchedule or NoExecute."),
    F_STR("key", "The taint key that the toleration applies to."),
    F_STR("operator", "Relationship to the value: Exists or Equal."),
    F_I64("tolerationSeconds", "How long a NoExecute taint is tolerated."),
    F_STR("value", "The taint value the toleration matches to."),
    F_END,
};

static const struct oa_field pod_status[] = {
    F_AREF("conditions", OA_CORE "PodCondition", "Current service state of the pod.",
           MERGE_BY("type")),
    F_AREF("containerStatuses", OA_CORE "ContainerStatus", "Status of each container.",
           .list_type = "atomic"),
    F_AREF("ephemeralContainerStatuses", OA_CORE "ContainerStatus",
           "Status of any ephemeral containers.", .list_type = "atomic"),
    F_STR("hostIP", "IP address of the host the pod is assigned to."),
    F_AREF("hostIPs", OA_CORE "HostIP", "IP addresses allocated to the host.", .merge_key = "ip",
           .strategy = "merge", .list_type = "atomic"),
    F_AREF("initContainerStatuses", OA_CORE "ContainerStatus", "Status of each init container.",
           .list_type = "atomic"),
    F_STR("message", "Why the pod is in this condition."),
    F_STR("nominatedNodeName", "Node where preemption may let the pod be scheduled."),
    F_STR("phase", "Pending, Running, Succeeded, Failed or Unknown."),
    F_STR("podIP", "IP address allocated to the pod."),
    F_AREF("podIPs", OA_CORE "PodIP", "IP addresses allocated to the pod.", MERGE_BY("ip")),
    F_STR("qosClass", "Quality of Service class of the pod."),
    F_STR("reason", "A brief CamelCase message about why the pod is in this state."),
    F_STR("resize", "Status of a pod resize."),
    F_AANY("resourceClaimStatuses", "Status of resource claims.", .merge_key = "name",
           .strategy = "merge,retainKeys", .list_type = "map", .map_keys = "name"),
    F_TIME("startTime", "Time the pod was acknowledged by the kubelet."),
    F_END,
};

static const struct oa_field pod_condition[] = {
    F_TIME("lastProbeTime", "Last time the condition was probed."),
    F_TIME("lastTransitionTime", "Last time the condition transitioned."),
    F_STR("message", "Human-readable message about the last transition."),
    F_STR("reason", "Unique, one-word, CamelCase reason for the last transition."),
    F_STR("status", "True, False or Unknown.", .flags = OA_REQ | OA_DEF_STR),
    F_STR("type", "Type of the condition.", .flags = OA_REQ | OA_DEF_STR),
    F_END,
};

static const struct oa_field ip_only[] = {
    F_STR("ip", "An IP address.", .flags = OA_REQ | OA_DEF_STR),
    F_END,
};

static const struct oa_field container_status[] = {
    F_MREF("allocatedResources", OA_QTY, "Compute resources allocated to the container."),
    F_AANY("allocatedResourcesStatus", "Status of allocated resources.", .list_type = "map",
           .map_keys = "name", .merge_key = "name", .strategy = "merge"),
    F_STR("containerID", "ID of the container: <type>://<container_id>."),
    F_STR("image", "Name of the container image.", .flags = OA_REQ | OA_DEF_STR),
    F_STR("imageID", "Image ID of the container's image.", .flags = OA_REQ | OA_DEF_STR),
    F_REF("lastState", OA_CORE "ContainerState", "Details about the last termination.",
          .flags = OA_DEF_OBJ),
    F_STR("name", "Name of the container.", .flags = OA_REQ | OA_DEF_STR),
    F_BOOL("ready", "Whether the container passed its readiness probe.",
           .flags = OA_REQ | OA_DEF_BOOL),
    F_REF("resources", OA_CORE "ResourceRequirements", "Resources applied to the container."),
    F_I32("restartCount", "Number of times the container has been restarted.", .flags = OA_REQ,
          .dflt = "0"),
    F_BOOL("started", "Whether the container passed its startup probe."),
    F_REF("state", OA_CORE "ContainerState", "Details about the current condition.",
          .flags = OA_DEF_OBJ),
    F_ANY("user", "User identity information of the first process."),
    F_AANY("volumeMounts", "Status of volume mounts.", MERGE_BY("mountPath")),
    F_END,
};

static const struct oa_field container_state[] = {
    F_REF("running", OA_CORE "ContainerStateRunning", "Details about a running container."),
    F_REF("terminated", OA_CORE "ContainerStateTerminated",
          "Details about a terminated container."),
    F_REF("waiting", OA_CORE "ContainerStateWaiting", "Details about a waiting container."),
    F_END,
};

static const struct oa_field state_running[] = {
    F_TIME("startedAt", "Time at which the container was last (re-)started."),
    F_END,
};

static const struct oa_field state_terminated[] = {
    F_STR("containerID", "Container's ID: <type>://<container_id>."),
    F_I32("exitCode", "Exit status from the last termination.", .flags = OA_REQ, .dflt = "0"),
    F_TIME("finishedAt", "Time at which the container last terminated."),
    F_STR("message", "Message regarding the last termination."),
    F_STR("reason", "Reason from the last termination."),
    F_I32("signal", "Signal from the last termination."),
    F_TIME("startedAt", "Time at which previous execution of the container started."),
    F_END,
};

static const struct oa_field state_waiting[] = {
    F_STR("message", "Message about why the container is not yet running."),
    F_STR("reason", "Reason the container is not yet running."),
    F_END,
};

const struct oa_type oa_types_pod[] = {
    {OA_CORE "Pod", "A collection of containers that can run on a host.", pod, "/v1/Pod", 0, NULL},
    {OA_CORE "PodSpec", "Description of a pod.", pod_spec, NULL, 0, NULL},
    {OA_CORE "Container", "A single application container to run within a pod.", container, NULL, 0,
     NULL},
    {OA_CORE "ContainerPort", "A network port in a single container.", container_port, NULL, 0,
     NULL},
    {OA_CORE "EnvVar", "An environment variable present in a container.", env_var, NULL, 0, NULL},
    {OA_CORE "EnvVarSource", "A source for the value of an EnvVar.", env_var_source, NULL, 0, NULL},
    {OA_CORE "ConfigMapKeySelector", "Selects a key from a ConfigMap.", key_selector, NULL,
     OA_T_ATOMIC, NULL},
    {OA_CORE "SecretKeySelector", "Selects a key of a Secret in the pod's namespace.", key_selector,
     NULL, OA_T_ATOMIC, NULL},
    {OA_CORE "ObjectFieldSelector", "Selects an APIVersioned field of an object.",
     object_field_selector, NULL, OA_T_ATOMIC, NULL},
    {OA_CORE "ResourceFieldSelector", "Selects a container resource (cpu, memory).",
     resource_field_selector, NULL, OA_T_ATOMIC, NULL},
    {OA_CORE "EnvFromSource", "A source to populate environment variables from.", env_from_source,
     NULL, 0, NULL},
    {OA_CORE "ConfigMapEnvSource", "Selects a ConfigMap to populate the environment.", env_source,
     NULL, 0, NULL},
    {OA_CORE "SecretEnvSource", "Selects a Secret to populate the environment.", env_source, NULL,
     0, NULL},
    {OA_CORE "Probe", "A health check performed against a container.", probe, NULL, 0, NULL},
    {OA_CORE "ExecAction", "A \"run in container\" action.", exec_action, NULL, 0, NULL},
    {OA_CORE "HTTPGetAction", "An action based on HTTP Get requests.", http_get_action, NULL, 0,
     NULL},
    {OA_CORE "HTTPHeader", "A custom header to be used in HTTP probes.", http_header, NULL, 0,
     NULL},
    {OA_CORE "TCPSocketAction", "An action based on opening a socket.", tcp_socket_action, NULL, 0,
     NULL},
    {OA_CORE "GRPCAction", "An action based on a gRPC health check.", grpc_action, NULL, 0, NULL},
    {OA_CORE "ResourceRequirements", "Compute resource requirements.", resource_requirements, NULL,
     0, NULL},
    {OA_CORE "ResourceClaim", "A reference to one entry in PodSpec.ResourceClaims.", resource_claim,
     NULL, 0, NULL},
    {OA_CORE "VolumeMount", "Mounting of a volume within a container.", volume_mount, NULL, 0,
     NULL},
    {OA_CORE "Volume", "A named volume in a pod that may be accessed by any container.", volume,
     NULL, OA_T_PRESERVE, NULL},
    {OA_CORE "LocalObjectReference", "A reference to an object in the same namespace.",
     local_object_reference, NULL, OA_T_ATOMIC, NULL},
    {OA_CORE "HostAlias", "An entry of the pod's hosts file.", host_alias, NULL, 0, NULL},
    {OA_CORE "PodDNSConfig", "DNS parameters of a pod in addition to those from DNSPolicy.",
     pod_dns_config, NULL, 0, NULL},
    {OA_CORE "PodDNSConfigOption", "A DNS resolver option of a pod.", pod_dns_config_option, NULL,
     0, NULL},
    {OA_CORE "PodOS", "The OS parameters of a pod.", pod_os, NULL, 0, NULL},
    {OA_CORE "PodReadinessGate", "A pod condition to be used for readiness.", pod_readiness_gate,
     NULL, 0, NULL},
    {OA_CORE "PodSchedulingGate", "A gate the pod waits for before scheduling.",
     pod_scheduling_gate, NULL, 0, NULL},
    {OA_CORE "Toleration", "Tolerates any taint matching <key,value,effect>.", toleration, NULL, 0,
     NULL},
    {OA_CORE "PodStatus", "Information about the status of a pod.", pod_status, NULL, 0, NULL},
    {OA_CORE "PodCondition", "Details for the current condition of this pod.", pod_condition, NULL,
     0, NULL},
    {OA_CORE "HostIP", "An IP address allocated to the host.", ip_only, NULL, 0, NULL},
    {OA_CORE "PodIP", "An IP address allocated to the pod.", ip_only, NULL, 0, NULL},
    {OA_CORE "ContainerStatus", "Information for a container's status.", container_status, NULL, 0,
     NULL},
    {OA_CORE "ContainerState", "Possible state of a container; one member is set.", container_state,
     NULL, 0, NULL},
    {OA_CORE "ContainerStateRunning", "A running state of a container.", state_running, NULL, 0,
     NULL},
    {OA_CORE "ContainerStateTerminated", "A terminated state of a container.", state_terminated,
     NULL, 0, NULL},
    {OA_CORE "ContainerStateWaiting", "A waiting state of a container.", state_waiting, NULL, 0,
     NULL},
    {NULL, NULL, NULL, NULL, 0, NULL},
};

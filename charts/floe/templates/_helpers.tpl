{{/*
Chart name, shortened to 63 characters because Kubernetes label values and DNS-1123 names allow no more.
*/}}
{{- define "floe.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Full name prefix of every resource. A release named like the chart ("floe") is not repeated ("floe", not
"floe-floe").
*/}}
{{- define "floe.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Name of the operator's Deployment, ClusterRole and bindings. The suffix leaves room for broker resources that the
operator names after each Cluster.
*/}}
{{- define "floe.operator.fullname" -}}
{{- printf "%s-operator" (include "floe.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "floe.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Labels of every resource of the chart.
*/}}
{{- define "floe.labels" -}}
helm.sh/chart: {{ include "floe.chart" . }}
{{ include "floe.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: floe
{{- end }}

{{/*
Selector labels: only labels that never change between upgrades, since a Deployment's selector is immutable.
*/}}
{{- define "floe.selectorLabels" -}}
app.kubernetes.io/name: {{ include "floe.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: operator
{{- end }}

{{- define "floe.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "floe.operator.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "floe.operator.image" -}}
{{- printf "%s:%s" .Values.operator.image.repository (.Values.operator.image.tag | default .Chart.AppVersion) }}
{{- end }}

{{- define "floe.broker.image" -}}
{{- printf "%s:%s" .Values.broker.image.repository (.Values.broker.image.tag | default .Chart.AppVersion) }}
{{- end }}

{{/*
Namespaces in the form the Java Operator SDK reads: comma-separated, or its marker for all namespaces.
*/}}
{{- define "floe.watchNamespaces" -}}
{{- if .Values.watchNamespaces }}
{{- join "," .Values.watchNamespaces }}
{{- else -}}
JOSDK_ALL_NAMESPACES
{{- end }}
{{- end }}

{{/*
The operator's namespaced permissions, shared by the ClusterRole (all namespaces) and the per-namespace Roles.
Beyond what it reconciles, the operator needs what it grants: it creates a Role per Cluster that lets brokers
hold Leases and update Topics, and Kubernetes refuses to create a Role granting permissions its creator lacks
(RBAC escalation prevention), so leases and topics/status are listed here even if the operator never touches them.
*/}}
{{- define "floe.operator.rules" -}}
- apiGroups: ["floe.dev"]
  resources: ["clusters", "clusters/finalizers", "topics", "topics/finalizers"]
  verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
- apiGroups: ["floe.dev"]
  resources: ["clusters/status", "topics/status"]
  verbs: ["get", "update", "patch"]
- apiGroups: ["apps"]
  resources: ["statefulsets"]
  verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
- apiGroups: [""]
  resources: ["services", "configmaps", "serviceaccounts"]
  verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["get", "list", "watch"]
- apiGroups: [""]
  resources: ["events"]
  verbs: ["create", "patch"]
- apiGroups: ["events.k8s.io"]
  resources: ["events"]
  verbs: ["create", "patch"]
- apiGroups: ["policy"]
  resources: ["poddisruptionbudgets"]
  verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
- apiGroups: ["rbac.authorization.k8s.io"]
  resources: ["roles", "rolebindings"]
  verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
- apiGroups: ["coordination.k8s.io"]
  resources: ["leases"]
  verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
{{- end }}

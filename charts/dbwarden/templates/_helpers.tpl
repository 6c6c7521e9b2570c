{{/* The release's base name: fullnameOverride, else the release name when it contains the chart name, else <release>-<chart>. */}}
{{- define "dbwarden.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "dbwarden.operator.fullname" -}}{{ include "dbwarden.fullname" . }}-operator{{- end -}}
{{- define "dbwarden.console.fullname" -}}{{ include "dbwarden.fullname" . }}-console{{- end -}}

{{- define "dbwarden.operator.serviceAccountName" -}}
{{- default (include "dbwarden.operator.fullname" .) .Values.operator.serviceAccount.name -}}
{{- end -}}
{{- define "dbwarden.console.serviceAccountName" -}}
{{- default (include "dbwarden.console.fullname" .) .Values.console.serviceAccount.name -}}
{{- end -}}

{{/* Labels on every resource. */}}
{{- define "dbwarden.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: dbwarden
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/*
Selector labels. app.kubernetes.io/name is fixed (not the release name): the NetworkPolicies the operator
writes for in-cluster databases admit the operator's and the console's pods by it.
*/}}
{{- define "dbwarden.operator.selectorLabels" -}}
app.kubernetes.io/name: dbwarden-operator
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}
{{- define "dbwarden.console.selectorLabels" -}}
app.kubernetes.io/name: dbwarden-console
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "dbwarden.operator.labels" -}}
{{ include "dbwarden.labels" . }}
{{ include "dbwarden.operator.selectorLabels" . }}
app.kubernetes.io/component: operator
{{- end -}}
{{- define "dbwarden.console.labels" -}}
{{ include "dbwarden.labels" . }}
{{ include "dbwarden.console.selectorLabels" . }}
app.kubernetes.io/component: console
{{- end -}}

{{/* repository:tag, or repository@digest when a digest is given. Argument: dict "image" <image values> "root" $ */}}
{{- define "dbwarden.image" -}}
{{- if .image.digest -}}
{{- printf "%s@%s" .image.repository .image.digest -}}
{{- else -}}
{{- printf "%s:%s" .image.repository (default .root.Chart.AppVersion .image.tag) -}}
{{- end -}}
{{- end -}}

{{/* The restricted Pod Security Standard, for both Deployments. */}}
{{- define "dbwarden.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
seccompProfile:
  type: RuntimeDefault
{{- end -}}
{{- define "dbwarden.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
privileged: false
capabilities:
  drop: [ALL]
{{- end -}}

{{/*
What the operator may do: the rules of config/rbac/operator-clusterrole.yaml (a test keeps them equal; without
the console, less the rule for its Roles), bound cluster-wide by a ClusterRole or, with watchNamespaces, by a Role in each watched namespace.
*/}}
{{- define "dbwarden.operator.rules" -}}
# Its own resources: cache them (list/watch; it reads them from the cache, never with get).
- apiGroups: [dbwarden.io]
  resources: [databaseconnections]
  verbs: [list, watch]
# The same for policies, and patch: it adds and removes its finalizer (metadata.finalizers), nothing else.
- apiGroups: [dbwarden.io]
  resources: [accesspolicies]
  verbs: [list, watch, patch]
# Report what it found. Status only: it never writes a spec, so it never fights GitOps.
- apiGroups: [dbwarden.io]
  resources: [databaseconnections/status, accesspolicies/status]
  verbs: [patch]
# Owner references with blockOwnerDeletion on the Secrets and NetworkPolicies it owns need this where the
# OwnerReferencesPermissionEnforcement admission plugin is on.
- apiGroups: [dbwarden.io]
  resources: [databaseconnections/finalizers, accesspolicies/finalizers]
  verbs: [update]
# Secrets: get the admin and CA Secrets a DatabaseConnection names and its own credentials Secrets;
# create/update the credentials Secrets it owns. list/watch: its own Secrets (by label) in full, every
# other Secret as metadata only (PartialObjectMetadata), to notice an admin or CA Secret change. RBAC
# cannot tell the two apart: list/watch would let this identity read every Secret's data. It never deletes
# a Secret: garbage collection does, with the owning policy.
- apiGroups: [""]
  resources: [secrets]
  verbs: [get, list, watch, create, update]
# The NetworkPolicies that fence each database to its policies' clients (list/watch: the cache of the
# ones it manages, selected by its label, so a pass reads nothing from the API server).
- apiGroups: [networking.k8s.io]
  resources: [networkpolicies]
  verbs: [get, list, watch, create, update, delete]
# Events that `kubectl describe` shows: drift corrected, rotations, failures.
- apiGroups: [""]
  resources: [events]
  verbs: [create]
# rotation.restartTargets: read a Deployment/StatefulSet and set one pod-template annotation. RBAC cannot
# narrow this to the targets or to that annotation (docs/rbac.md: what limits it).
- apiGroups: [apps]
  resources: [deployments, statefulsets]
  verbs: [get, patch]
{{- if .Values.console.enabled }}
# The console's read access: in each namespace with console-enabled policies, one Role granting the
# console's ServiceAccount get on exactly their credentials Secrets (resourceNames), and its RoleBinding
# (list/watch: the cache of these, selected by label). It can grant only what it holds itself (get on
# those Secrets): no escalate or bind. Without the console (console.enabled=false) no such rule.
- apiGroups: [rbac.authorization.k8s.io]
  resources: [roles, rolebindings]
  verbs: [list, watch, create, update, delete]
{{- end }}
{{- end -}}

{{/* A NetworkPolicy egress rule: ports, and `to` when cidrs or peers narrow it. Argument: dict "ports" "cidrs" "peers" */}}
{{- define "dbwarden.egressRule" -}}
- ports:
  {{- range .ports }}
    - port: {{ . }}
      protocol: TCP
  {{- end }}
  {{- if or .cidrs .peers }}
  to:
    {{- range .cidrs }}
    - ipBlock:
        cidr: {{ . }}
    {{- end }}
    {{- with .peers }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  {{- end }}
{{- end -}}

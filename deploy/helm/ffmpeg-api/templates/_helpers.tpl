{{/* Names and labels. */}}
{{- define "ffmpeg-api.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "ffmpeg-api.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "ffmpeg-api.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "ffmpeg-api.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "ffmpeg-api.selectorLabels" -}}
app.kubernetes.io/name: {{ include "ffmpeg-api.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "ffmpeg-api.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{- define "ffmpeg-api.secretName" -}}
{{- default (include "ffmpeg-api.fullname" .) .Values.database.existingSecret -}}
{{- end -}}

{{/* Configuration shared by every process: the ConfigMap, the Secret and the database connection. */}}
{{- define "ffmpeg-api.env" -}}
- name: Database__Provider
  value: postgres
- name: Database__ConnectionString
  valueFrom:
    secretKeyRef:
      name: {{ include "ffmpeg-api.secretName" . }}
      key: {{ .Values.database.existingSecretKey }}
{{- end -}}

{{- define "ffmpeg-api.envFrom" -}}
- configMapRef:
    name: {{ include "ffmpeg-api.fullname" . }}
{{- if .Values.secretConfig }}
- secretRef:
    name: {{ include "ffmpeg-api.fullname" . }}-config
{{- end }}
{{- end -}}

{{- define "ffmpeg-api.volumes" -}}
- name: data
{{- if .Values.persistence.enabled }}
  persistentVolumeClaim:
    claimName: {{ default (printf "%s-data" (include "ffmpeg-api.fullname" .)) .Values.persistence.existingClaim }}
{{- else }}
  emptyDir: {}
{{- end }}
- name: tmp
  emptyDir: {}
{{- end -}}

{{- define "ffmpeg-api.volumeMounts" -}}
- name: data
  mountPath: /data
- name: tmp
  mountPath: /tmp
{{- end -}}

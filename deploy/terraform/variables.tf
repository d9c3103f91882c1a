variable "region" {
  description = "AWS region for the database and the bucket."
  type        = string
  default     = "eu-west-1"
}

variable "name" {
  description = "Prefix of every resource name."
  type        = string
  default     = "ffmpeg-api"
}

variable "vpc_id" {
  description = "VPC of the Kubernetes cluster (the database is reachable only from it)."
  type        = string
}

variable "database_subnet_ids" {
  description = "Private subnets for the database (two availability zones at least)."
  type        = list(string)
}

variable "cluster_security_group_id" {
  description = "Security group of the cluster's nodes: the only source allowed to reach PostgreSQL."
  type        = string
}

variable "db_instance_class" {
  description = "RDS instance class. The queue is light: db.t4g.medium carries thousands of jobs an hour."
  type        = string
  default     = "db.t4g.medium"
}

variable "db_allocated_storage_gb" {
  description = "Initial database storage (GiB); grows automatically up to 5x."
  type        = number
  default     = 20
}

variable "bucket_name" {
  description = "Globally unique name of the media bucket (inputs and outputs as s3://BUCKET/...)."
  type        = string
}

variable "output_expiry_days" {
  description = "Delete objects under outputs/ after this many days (0: keep)."
  type        = number
  default     = 30
}

variable "kubeconfig_path" {
  description = "kubeconfig used by the Helm provider."
  type        = string
  default     = "~/.kube/config"
}

variable "kube_context" {
  description = "kubeconfig context of the target cluster."
  type        = string
  default     = null
}

variable "namespace" {
  description = "Kubernetes namespace of the release."
  type        = string
  default     = "ffmpeg-api"
}

variable "image_repository" {
  description = "Where the image built from deploy/Dockerfile is pushed."
  type        = string
}

variable "image_tag" {
  description = "Image tag to deploy."
  type        = string
  default     = "1.0.0"
}

variable "worker_replicas" {
  description = "CPU worker pods."
  type        = number
  default     = 2
}

variable "gpu_workers" {
  description = "GPU worker pods (0: no GPU pool). Needs nodes with the NVIDIA device plugin."
  type        = number
  default     = 0
}

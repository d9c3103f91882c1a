# An example deployment: a managed PostgreSQL (RDS), an S3 bucket for media, and the Helm release of
# deploy/helm/ffmpeg-api wired to both. Review before use: it is a starting point, not a landing zone.

resource "random_password" "db" {
  length  = 32
  special = false
}

resource "aws_db_subnet_group" "this" {
  name       = "${var.name}-db"
  subnet_ids = var.database_subnet_ids
}

resource "aws_security_group" "db" {
  name        = "${var.name}-db"
  description = "PostgreSQL for ffmpeg-api, reachable from the cluster only"
  vpc_id      = var.vpc_id

  ingress {
    description     = "PostgreSQL from the cluster nodes"
    from_port       = 5432
    to_port         = 5432
    protocol        = "tcp"
    security_groups = [var.cluster_security_group_id]
  }
}

resource "aws_db_instance" "postgres" {
  identifier                 = "${var.name}-db"
  engine                     = "postgres"
  engine_version             = "17"
  instance_class             = var.db_instance_class
  allocated_storage          = var.db_allocated_storage_gb
  max_allocated_storage      = var.db_allocated_storage_gb * 5
  storage_encrypted          = true
  db_name                    = "ffmpeg_api"
  username                   = "ffmpeg_api"
  password                   = random_password.db.result
  db_subnet_group_name       = aws_db_subnet_group.this.name
  vpc_security_group_ids     = [aws_security_group.db.id]
  multi_az                   = true
  backup_retention_period    = 7
  deletion_protection        = true
  skip_final_snapshot        = false
  final_snapshot_identifier  = "${var.name}-db-final"
  auto_minor_version_upgrade = true
}

resource "aws_s3_bucket" "media" {
  bucket = var.bucket_name
}

resource "aws_s3_bucket_public_access_block" "media" {
  bucket                  = aws_s3_bucket.media.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_server_side_encryption_configuration" "media" {
  bucket = aws_s3_bucket.media.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "media" {
  count  = var.output_expiry_days > 0 ? 1 : 0
  bucket = aws_s3_bucket.media.id
  rule {
    id     = "expire-outputs"
    status = "Enabled"
    filter {
      prefix = "outputs/"
    }
    expiration {
      days = var.output_expiry_days
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 2
    }
  }
}

# The service signs S3 requests with a key pair (a storage profile); scope it to this bucket.
resource "aws_iam_user" "service" {
  name = "${var.name}-storage"
}

resource "aws_iam_access_key" "service" {
  user = aws_iam_user.service.name
}

resource "aws_iam_user_policy" "media" {
  name = "${var.name}-media"
  user = aws_iam_user.service.name
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect   = "Allow"
        Action   = ["s3:ListBucket"]
        Resource = [aws_s3_bucket.media.arn]
      },
      {
        Effect   = "Allow"
        Action   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"]
        Resource = ["${aws_s3_bucket.media.arn}/*"]
      },
    ]
  })
}

locals {
  connection_string = "Host=${aws_db_instance.postgres.address};Port=${aws_db_instance.postgres.port};Database=ffmpeg_api;Username=ffmpeg_api;Password=${random_password.db.result};SSL Mode=Require;Trust Server Certificate=true"
}

resource "helm_release" "ffmpeg_api" {
  name             = var.name
  namespace        = var.namespace
  create_namespace = true
  chart            = "${path.module}/../helm/ffmpeg-api"

  # Media lives in S3 (s3://BUCKET/...): each pod keeps only its workspace, no shared volume needed.
  values = [yamlencode({
    image       = { repository = var.image_repository, tag = var.image_tag }
    persistence = { enabled = false }
    worker      = { replicas = var.worker_replicas }
    gpuWorker   = { enabled = var.gpu_workers > 0, replicas = max(var.gpu_workers, 1) }
    config = {
      Storage__Profiles__media__Type    = "s3"
      Storage__Profiles__media__Region  = var.region
      Storage__Profiles__media__Buckets__0 = aws_s3_bucket.media.bucket
    }
  })]

  set_sensitive {
    name  = "database.connectionString"
    value = local.connection_string
  }

  set_sensitive {
    name  = "secretConfig.Storage__Profiles__media__AccessKey"
    value = aws_iam_access_key.service.id
  }

  set_sensitive {
    name  = "secretConfig.Storage__Profiles__media__SecretKey"
    value = aws_iam_access_key.service.secret
  }
}

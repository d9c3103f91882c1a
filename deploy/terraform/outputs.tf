output "database_endpoint" {
  description = "PostgreSQL address (the connection string is in the release's Secret)."
  value       = aws_db_instance.postgres.address
}

output "bucket" {
  description = "Media bucket: submit inputs and outputs as s3://BUCKET/..."
  value       = aws_s3_bucket.media.bucket
}

output "release" {
  description = "Helm release name and namespace."
  value       = "${helm_release.ffmpeg_api.name} in ${helm_release.ffmpeg_api.namespace}"
}

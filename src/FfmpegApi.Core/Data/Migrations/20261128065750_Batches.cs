using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace FfmpegApi.Core.Data.Migrations
{
    /// <inheritdoc />
    public partial class Batches : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "batch_id",
                table: "jobs",
                type: "TEXT",
                maxLength: 36,
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "batch_index",
                table: "jobs",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "depends_on",
                table: "jobs",
                type: "TEXT",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "batches",
                columns: table => new
                {
                    id = table.Column<string>(type: "TEXT", maxLength: 36, nullable: false),
                    tenant_id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    api_key_id = table.Column<string>(type: "TEXT", maxLength: 36, nullable: false),
                    mode = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    job_count = table.Column<int>(type: "INTEGER", nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    updated_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    completed_at = table.Column<DateTime>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_batches", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "i_x_jobs_batch_id",
                table: "jobs",
                column: "batch_id");

            migrationBuilder.CreateIndex(
                name: "i_x_batches_tenant_id_created_at",
                table: "batches",
                columns: new[] { "tenant_id", "created_at" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "batches");

            migrationBuilder.DropIndex(
                name: "i_x_jobs_batch_id",
                table: "jobs");

            migrationBuilder.DropColumn(
                name: "batch_id",
                table: "jobs");

            migrationBuilder.DropColumn(
                name: "batch_index",
                table: "jobs");

            migrationBuilder.DropColumn(
                name: "depends_on",
                table: "jobs");
        }
    }
}

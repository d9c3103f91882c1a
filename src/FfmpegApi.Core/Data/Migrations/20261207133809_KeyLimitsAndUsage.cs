using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace FfmpegApi.Core.Data.Migrations
{
    /// <inheritdoc />
    public partial class KeyLimitsAndUsage : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "input_bytes",
                table: "jobs",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "output_bytes",
                table: "jobs",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "created_by",
                table: "api_keys",
                type: "TEXT",
                maxLength: 36,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "description",
                table: "api_keys",
                type: "TEXT",
                maxLength: 1000,
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "disabled_at",
                table: "api_keys",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "max_concurrent_jobs",
                table: "api_keys",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "monthly_limit_minutes",
                table: "api_keys",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "organization",
                table: "api_keys",
                type: "TEXT",
                maxLength: 255,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "user_id",
                table: "api_keys",
                type: "TEXT",
                maxLength: 255,
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "i_x_jobs_api_key_id_created_at",
                table: "jobs",
                columns: new[] { "api_key_id", "created_at" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "i_x_jobs_api_key_id_created_at",
                table: "jobs");

            migrationBuilder.DropColumn(
                name: "input_bytes",
                table: "jobs");

            migrationBuilder.DropColumn(
                name: "output_bytes",
                table: "jobs");

            migrationBuilder.DropColumn(
                name: "created_by",
                table: "api_keys");

            migrationBuilder.DropColumn(
                name: "description",
                table: "api_keys");

            migrationBuilder.DropColumn(
                name: "disabled_at",
                table: "api_keys");

            migrationBuilder.DropColumn(
                name: "max_concurrent_jobs",
                table: "api_keys");

            migrationBuilder.DropColumn(
                name: "monthly_limit_minutes",
                table: "api_keys");

            migrationBuilder.DropColumn(
                name: "organization",
                table: "api_keys");

            migrationBuilder.DropColumn(
                name: "user_id",
                table: "api_keys");
        }
    }
}

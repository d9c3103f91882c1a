using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace FfmpegApi.Core.Data.Migrations
{
    /// <inheritdoc />
    public partial class TenantSchedules : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "tenant_schedules",
                columns: table => new
                {
                    tenant_id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    last_started_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_tenant_schedules", x => x.tenant_id);
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "tenant_schedules");
        }
    }
}

using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace FfmpegApi.Core.Data.PostgresMigrations
{
    /// <inheritdoc />
    public partial class JobDelivery : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "delivery_json",
                table: "jobs",
                type: "text",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "delivery_json",
                table: "jobs");
        }
    }
}

using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Ocm.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class ReceivedShareWebApp : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "WebAppPermissions",
                table: "received_shares",
                type: "character varying(100)",
                maxLength: 100,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "WebAppProtectedSecret",
                table: "received_shares",
                type: "character varying(1000)",
                maxLength: 1000,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "WebAppUri",
                table: "received_shares",
                type: "character varying(2000)",
                maxLength: 2000,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "WebAppPermissions",
                table: "received_shares");

            migrationBuilder.DropColumn(
                name: "WebAppProtectedSecret",
                table: "received_shares");

            migrationBuilder.DropColumn(
                name: "WebAppUri",
                table: "received_shares");
        }
    }
}

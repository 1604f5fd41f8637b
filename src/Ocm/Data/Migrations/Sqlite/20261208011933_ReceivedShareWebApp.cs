using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Ocm.Data.Migrations.Sqlite
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
                type: "TEXT",
                maxLength: 100,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "WebAppProtectedSecret",
                table: "received_shares",
                type: "TEXT",
                maxLength: 1000,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "WebAppUri",
                table: "received_shares",
                type: "TEXT",
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

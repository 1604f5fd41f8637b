using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Ocm.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class MfaEnforcementAndShareRequirement : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "MustUseMfa",
                table: "received_shares",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<bool>(
                name: "MustUseMfa",
                table: "outgoing_shares",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<bool>(
                name: "CreatedWithMfa",
                table: "app_passwords",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.CreateTable(
                name: "mfa_required_groups",
                columns: table => new
                {
                    GroupId = table.Column<long>(type: "INTEGER", nullable: false),
                    Since = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_mfa_required_groups", x => x.GroupId);
                    table.ForeignKey(
                        name: "FK_mfa_required_groups_groups_GroupId",
                        column: x => x.GroupId,
                        principalTable: "groups",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "mfa_required_groups");

            migrationBuilder.DropColumn(
                name: "MustUseMfa",
                table: "received_shares");

            migrationBuilder.DropColumn(
                name: "MustUseMfa",
                table: "outgoing_shares");

            migrationBuilder.DropColumn(
                name: "CreatedWithMfa",
                table: "app_passwords");
        }
    }
}

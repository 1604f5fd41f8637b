using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Ocm.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class ShareRequestsBothWays : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "ShareId",
                table: "share_requests",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "outgoing_share_requests",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    UserId = table.Column<long>(type: "INTEGER", nullable: false),
                    Owner = table.Column<string>(type: "TEXT", maxLength: 700, nullable: false),
                    OwnerProvider = table.Column<string>(type: "TEXT", maxLength: 300, nullable: false),
                    Resource = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: false),
                    State = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    Reason = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: true),
                    ReceivedShareId = table.Column<long>(type: "INTEGER", nullable: true),
                    Created = table.Column<long>(type: "INTEGER", nullable: false),
                    Updated = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_outgoing_share_requests", x => x.Id);
                    table.ForeignKey(
                        name: "FK_outgoing_share_requests_received_shares_ReceivedShareId",
                        column: x => x.ReceivedShareId,
                        principalTable: "received_shares",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.SetNull);
                    table.ForeignKey(
                        name: "FK_outgoing_share_requests_users_UserId",
                        column: x => x.UserId,
                        principalTable: "users",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_share_requests_ShareId",
                table: "share_requests",
                column: "ShareId");

            migrationBuilder.CreateIndex(
                name: "IX_outgoing_share_requests_ReceivedShareId",
                table: "outgoing_share_requests",
                column: "ReceivedShareId");

            migrationBuilder.CreateIndex(
                name: "IX_outgoing_share_requests_UserId_State",
                table: "outgoing_share_requests",
                columns: new[] { "UserId", "State" });

            migrationBuilder.AddForeignKey(
                name: "FK_share_requests_outgoing_shares_ShareId",
                table: "share_requests",
                column: "ShareId",
                principalTable: "outgoing_shares",
                principalColumn: "Id",
                onDelete: ReferentialAction.SetNull);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropForeignKey(
                name: "FK_share_requests_outgoing_shares_ShareId",
                table: "share_requests");

            migrationBuilder.DropTable(
                name: "outgoing_share_requests");

            migrationBuilder.DropIndex(
                name: "IX_share_requests_ShareId",
                table: "share_requests");

            migrationBuilder.DropColumn(
                name: "ShareId",
                table: "share_requests");
        }
    }
}

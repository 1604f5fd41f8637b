using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Ocm.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class Shares : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "outgoing_shares",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    OwnerUserId = table.Column<long>(type: "INTEGER", nullable: false),
                    FileId = table.Column<long>(type: "INTEGER", nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: false),
                    ResourceType = table.Column<string>(type: "TEXT", maxLength: 50, nullable: false),
                    ShareWith = table.Column<string>(type: "TEXT", maxLength: 600, nullable: false),
                    RecipientHost = table.Column<string>(type: "TEXT", maxLength: 300, nullable: false),
                    ProviderId = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    SecretHash = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    Permissions = table.Column<int>(type: "INTEGER", nullable: false),
                    Expiration = table.Column<long>(type: "INTEGER", nullable: true),
                    MustExchangeToken = table.Column<bool>(type: "INTEGER", nullable: false),
                    State = table.Column<string>(type: "TEXT", maxLength: 30, nullable: false),
                    StateReason = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    Dialect = table.Column<string>(type: "TEXT", maxLength: 50, nullable: false),
                    RecipientDisplayName = table.Column<string>(type: "TEXT", maxLength: 300, nullable: true),
                    Created = table.Column<long>(type: "INTEGER", nullable: false),
                    Updated = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_outgoing_shares", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "received_shares",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    RecipientUserId = table.Column<long>(type: "INTEGER", nullable: false),
                    SenderHost = table.Column<string>(type: "TEXT", maxLength: 300, nullable: false),
                    ProviderId = table.Column<string>(type: "TEXT", maxLength: 300, nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: false),
                    ResourceType = table.Column<string>(type: "TEXT", maxLength: 50, nullable: false),
                    IsFolder = table.Column<bool>(type: "INTEGER", nullable: true),
                    Owner = table.Column<string>(type: "TEXT", maxLength: 600, nullable: false),
                    Sender = table.Column<string>(type: "TEXT", maxLength: 600, nullable: false),
                    OwnerDisplayName = table.Column<string>(type: "TEXT", maxLength: 300, nullable: true),
                    SenderDisplayName = table.Column<string>(type: "TEXT", maxLength: 300, nullable: true),
                    ShareType = table.Column<string>(type: "TEXT", maxLength: 50, nullable: false),
                    Description = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    WebDavUri = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    ProtectedSecret = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: false),
                    Permissions = table.Column<int>(type: "INTEGER", nullable: false),
                    MustExchangeToken = table.Column<bool>(type: "INTEGER", nullable: false),
                    Legacy = table.Column<bool>(type: "INTEGER", nullable: false),
                    Expiration = table.Column<long>(type: "INTEGER", nullable: true),
                    State = table.Column<string>(type: "TEXT", maxLength: 30, nullable: false),
                    Quarantined = table.Column<bool>(type: "INTEGER", nullable: false),
                    AccessMethod = table.Column<string>(type: "TEXT", maxLength: 20, nullable: true),
                    Created = table.Column<long>(type: "INTEGER", nullable: false),
                    Updated = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_received_shares", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "share_access_tokens",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    ShareId = table.Column<long>(type: "INTEGER", nullable: false),
                    TokenHash = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    ClientHost = table.Column<string>(type: "TEXT", maxLength: 300, nullable: false),
                    Issued = table.Column<long>(type: "INTEGER", nullable: false),
                    Expires = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_share_access_tokens", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_outgoing_shares_FileId",
                table: "outgoing_shares",
                column: "FileId");

            migrationBuilder.CreateIndex(
                name: "IX_outgoing_shares_OwnerUserId",
                table: "outgoing_shares",
                column: "OwnerUserId");

            migrationBuilder.CreateIndex(
                name: "IX_outgoing_shares_ProviderId",
                table: "outgoing_shares",
                column: "ProviderId",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_outgoing_shares_SecretHash",
                table: "outgoing_shares",
                column: "SecretHash",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_received_shares_RecipientUserId_State",
                table: "received_shares",
                columns: new[] { "RecipientUserId", "State" });

            migrationBuilder.CreateIndex(
                name: "IX_received_shares_SenderHost_ProviderId",
                table: "received_shares",
                columns: new[] { "SenderHost", "ProviderId" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_share_access_tokens_ShareId",
                table: "share_access_tokens",
                column: "ShareId");

            migrationBuilder.CreateIndex(
                name: "IX_share_access_tokens_TokenHash",
                table: "share_access_tokens",
                column: "TokenHash",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "outgoing_shares");

            migrationBuilder.DropTable(
                name: "received_shares");

            migrationBuilder.DropTable(
                name: "share_access_tokens");
        }
    }
}

using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Ocm.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class SharedNodeState : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "data_protection_keys",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    FriendlyName = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    Xml = table.Column<string>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_data_protection_keys", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "login_failures",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Key = table.Column<string>(type: "TEXT", maxLength: 400, nullable: false),
                    At = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_login_failures", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "peer_rate_buckets",
                columns: table => new
                {
                    Key = table.Column<string>(type: "TEXT", maxLength: 400, nullable: false),
                    Tokens = table.Column<double>(type: "REAL", nullable: false),
                    UpdatedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_peer_rate_buckets", x => x.Key);
                });

            migrationBuilder.CreateTable(
                name: "seen_signatures",
                columns: table => new
                {
                    Fingerprint = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    ExpiresAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_seen_signatures", x => x.Fingerprint);
                });

            migrationBuilder.CreateTable(
                name: "server_key_ring",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false),
                    Version = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_server_key_ring", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "server_keys",
                columns: table => new
                {
                    KeyId = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    Algorithm = table.Column<string>(type: "TEXT", maxLength: 50, nullable: false),
                    Purpose = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    State = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    Created = table.Column<long>(type: "INTEGER", nullable: false),
                    Activated = table.Column<long>(type: "INTEGER", nullable: true),
                    Retired = table.Column<long>(type: "INTEGER", nullable: true),
                    PrivateKey = table.Column<string>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_server_keys", x => x.KeyId);
                });

            migrationBuilder.CreateTable(
                name: "server_secrets",
                columns: table => new
                {
                    Name = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    Value = table.Column<string>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_server_secrets", x => x.Name);
                });

            migrationBuilder.InsertData(
                table: "server_key_ring",
                columns: new[] { "Id", "Version" },
                values: new object[] { 1, 0L });

            migrationBuilder.CreateIndex(
                name: "IX_login_failures_At",
                table: "login_failures",
                column: "At");

            migrationBuilder.CreateIndex(
                name: "IX_login_failures_Key_At",
                table: "login_failures",
                columns: new[] { "Key", "At" });

            migrationBuilder.CreateIndex(
                name: "IX_seen_signatures_ExpiresAt",
                table: "seen_signatures",
                column: "ExpiresAt");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "data_protection_keys");

            migrationBuilder.DropTable(
                name: "login_failures");

            migrationBuilder.DropTable(
                name: "peer_rate_buckets");

            migrationBuilder.DropTable(
                name: "seen_signatures");

            migrationBuilder.DropTable(
                name: "server_key_ring");

            migrationBuilder.DropTable(
                name: "server_keys");

            migrationBuilder.DropTable(
                name: "server_secrets");
        }
    }
}

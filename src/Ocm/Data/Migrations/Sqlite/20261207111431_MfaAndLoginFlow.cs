using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Ocm.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class MfaAndLoginFlow : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "login_flows",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    PollTokenHash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    LoginTokenHash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    ClientName = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    StartedFrom = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Created = table.Column<long>(type: "INTEGER", nullable: false),
                    Expires = table.Column<long>(type: "INTEGER", nullable: false),
                    ApprovedByUserId = table.Column<long>(type: "INTEGER", nullable: true),
                    ApprovedWithMfa = table.Column<bool>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_login_flows", x => x.Id);
                    table.ForeignKey(
                        name: "FK_login_flows_users_ApprovedByUserId",
                        column: x => x.ApprovedByUserId,
                        principalTable: "users",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "mfa_recovery_codes",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    UserId = table.Column<long>(type: "INTEGER", nullable: false),
                    CodeHash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Used = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_mfa_recovery_codes", x => x.Id);
                    table.ForeignKey(
                        name: "FK_mfa_recovery_codes_users_UserId",
                        column: x => x.UserId,
                        principalTable: "users",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "mfa_required_users",
                columns: table => new
                {
                    UserId = table.Column<long>(type: "INTEGER", nullable: false),
                    Since = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_mfa_required_users", x => x.UserId);
                    table.ForeignKey(
                        name: "FK_mfa_required_users_users_UserId",
                        column: x => x.UserId,
                        principalTable: "users",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "mfa_totp",
                columns: table => new
                {
                    UserId = table.Column<long>(type: "INTEGER", nullable: false),
                    SealedSecret = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    Confirmed = table.Column<bool>(type: "INTEGER", nullable: false),
                    Created = table.Column<long>(type: "INTEGER", nullable: false),
                    LastUsedStep = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_mfa_totp", x => x.UserId);
                    table.ForeignKey(
                        name: "FK_mfa_totp_users_UserId",
                        column: x => x.UserId,
                        principalTable: "users",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_login_flows_ApprovedByUserId",
                table: "login_flows",
                column: "ApprovedByUserId");

            migrationBuilder.CreateIndex(
                name: "IX_login_flows_Expires",
                table: "login_flows",
                column: "Expires");

            migrationBuilder.CreateIndex(
                name: "IX_login_flows_LoginTokenHash",
                table: "login_flows",
                column: "LoginTokenHash",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_login_flows_PollTokenHash",
                table: "login_flows",
                column: "PollTokenHash",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_login_flows_StartedFrom",
                table: "login_flows",
                column: "StartedFrom");

            migrationBuilder.CreateIndex(
                name: "IX_mfa_recovery_codes_UserId_CodeHash",
                table: "mfa_recovery_codes",
                columns: new[] { "UserId", "CodeHash" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "login_flows");

            migrationBuilder.DropTable(
                name: "mfa_recovery_codes");

            migrationBuilder.DropTable(
                name: "mfa_required_users");

            migrationBuilder.DropTable(
                name: "mfa_totp");
        }
    }
}

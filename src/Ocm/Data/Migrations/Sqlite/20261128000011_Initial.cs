using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Ocm.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "outbox",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Peer = table.Column<string>(type: "TEXT", maxLength: 300, nullable: false),
                    Endpoint = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    Kind = table.Column<string>(type: "TEXT", maxLength: 50, nullable: false),
                    SubjectId = table.Column<long>(type: "INTEGER", nullable: true),
                    Body = table.Column<byte[]>(type: "BLOB", nullable: false),
                    State = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    Attempts = table.Column<int>(type: "INTEGER", nullable: false),
                    Created = table.Column<long>(type: "INTEGER", nullable: false),
                    NextAttemptAt = table.Column<long>(type: "INTEGER", nullable: false),
                    Deadline = table.Column<long>(type: "INTEGER", nullable: false),
                    LeaseUntil = table.Column<long>(type: "INTEGER", nullable: true),
                    DeliveredAt = table.Column<long>(type: "INTEGER", nullable: true),
                    LastStatus = table.Column<int>(type: "INTEGER", nullable: true),
                    LastError = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_outbox", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "peers",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Host = table.Column<string>(type: "TEXT", maxLength: 300, nullable: false),
                    Provider = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    ApiVersion = table.Column<string>(type: "TEXT", maxLength: 50, nullable: true),
                    Dialect = table.Column<string>(type: "TEXT", maxLength: 50, nullable: true),
                    Capabilities = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: false),
                    Criteria = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: false),
                    EndPoint = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    FirstSeen = table.Column<long>(type: "INTEGER", nullable: false),
                    LastDiscovered = table.Column<long>(type: "INTEGER", nullable: true),
                    LastFailure = table.Column<long>(type: "INTEGER", nullable: true),
                    LastError = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_peers", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "storage_instance",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false),
                    InstanceId = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_storage_instance", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "users",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Name = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    NormalizedName = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    DisplayName = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    Email = table.Column<string>(type: "TEXT", maxLength: 320, nullable: true),
                    PasswordHash = table.Column<string>(type: "TEXT", maxLength: 500, nullable: false),
                    QuotaBytes = table.Column<long>(type: "INTEGER", nullable: true),
                    Disabled = table.Column<bool>(type: "INTEGER", nullable: false),
                    CredentialsVersion = table.Column<int>(type: "INTEGER", nullable: false),
                    Created = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_users", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "app_passwords",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    UserId = table.Column<long>(type: "INTEGER", nullable: false),
                    Label = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    PasswordHash = table.Column<string>(type: "TEXT", maxLength: 500, nullable: false),
                    Created = table.Column<long>(type: "INTEGER", nullable: false),
                    LastUsed = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_app_passwords", x => x.Id);
                    table.ForeignKey(
                        name: "FK_app_passwords_users_UserId",
                        column: x => x.UserId,
                        principalTable: "users",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "file_locks",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Token = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    OwnerId = table.Column<long>(type: "INTEGER", nullable: false),
                    Path = table.Column<string>(type: "TEXT", maxLength: 4096, nullable: false),
                    PathHash = table.Column<long>(type: "INTEGER", nullable: false),
                    Deep = table.Column<bool>(type: "INTEGER", nullable: false),
                    Exclusive = table.Column<bool>(type: "INTEGER", nullable: false),
                    PrincipalId = table.Column<long>(type: "INTEGER", nullable: false),
                    OwnerXml = table.Column<string>(type: "TEXT", maxLength: 8192, nullable: true),
                    TimeoutSeconds = table.Column<int>(type: "INTEGER", nullable: false),
                    Expires = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_file_locks", x => x.Id);
                    table.ForeignKey(
                        name: "FK_file_locks_users_OwnerId",
                        column: x => x.OwnerId,
                        principalTable: "users",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "file_nodes",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    OwnerId = table.Column<long>(type: "INTEGER", nullable: false),
                    ParentId = table.Column<long>(type: "INTEGER", nullable: true),
                    Name = table.Column<string>(type: "TEXT", maxLength: 255, nullable: false),
                    Path = table.Column<string>(type: "TEXT", maxLength: 4096, nullable: false),
                    PathHash = table.Column<long>(type: "INTEGER", nullable: false),
                    IsFolder = table.Column<bool>(type: "INTEGER", nullable: false),
                    Size = table.Column<long>(type: "INTEGER", nullable: false),
                    ContentType = table.Column<string>(type: "TEXT", maxLength: 255, nullable: true),
                    ETag = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    BlobId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    Sha1 = table.Column<string>(type: "TEXT", maxLength: 40, nullable: true),
                    Sha256 = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    Created = table.Column<long>(type: "INTEGER", nullable: false),
                    Modified = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_file_nodes", x => x.Id);
                    table.ForeignKey(
                        name: "FK_file_nodes_file_nodes_ParentId",
                        column: x => x.ParentId,
                        principalTable: "file_nodes",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_file_nodes_users_OwnerId",
                        column: x => x.OwnerId,
                        principalTable: "users",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "file_properties",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    NodeId = table.Column<long>(type: "INTEGER", nullable: false),
                    Namespace = table.Column<string>(type: "TEXT", maxLength: 1024, nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 255, nullable: false),
                    Xml = table.Column<string>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_file_properties", x => x.Id);
                    table.ForeignKey(
                        name: "FK_file_properties_file_nodes_NodeId",
                        column: x => x.NodeId,
                        principalTable: "file_nodes",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_app_passwords_UserId",
                table: "app_passwords",
                column: "UserId");

            migrationBuilder.CreateIndex(
                name: "IX_file_locks_OwnerId_PathHash",
                table: "file_locks",
                columns: new[] { "OwnerId", "PathHash" });

            migrationBuilder.CreateIndex(
                name: "IX_file_locks_Token",
                table: "file_locks",
                column: "Token",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_file_nodes_OwnerId_PathHash",
                table: "file_nodes",
                columns: new[] { "OwnerId", "PathHash" });

            migrationBuilder.CreateIndex(
                name: "IX_file_nodes_OwnerId_root",
                table: "file_nodes",
                column: "OwnerId",
                unique: true,
                filter: "\"ParentId\" IS NULL");

            migrationBuilder.CreateIndex(
                name: "IX_file_nodes_ParentId_Name",
                table: "file_nodes",
                columns: new[] { "ParentId", "Name" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_file_properties_NodeId_Namespace_Name",
                table: "file_properties",
                columns: new[] { "NodeId", "Namespace", "Name" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_outbox_Kind_SubjectId",
                table: "outbox",
                columns: new[] { "Kind", "SubjectId" });

            migrationBuilder.CreateIndex(
                name: "IX_outbox_State_NextAttemptAt",
                table: "outbox",
                columns: new[] { "State", "NextAttemptAt" });

            migrationBuilder.CreateIndex(
                name: "IX_peers_Host",
                table: "peers",
                column: "Host",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_users_NormalizedName",
                table: "users",
                column: "NormalizedName",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "app_passwords");

            migrationBuilder.DropTable(
                name: "file_locks");

            migrationBuilder.DropTable(
                name: "file_properties");

            migrationBuilder.DropTable(
                name: "outbox");

            migrationBuilder.DropTable(
                name: "peers");

            migrationBuilder.DropTable(
                name: "storage_instance");

            migrationBuilder.DropTable(
                name: "file_nodes");

            migrationBuilder.DropTable(
                name: "users");
        }
    }
}

using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Ocm.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class Resharing : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "ReshareParentId",
                table: "outgoing_shares",
                type: "bigint",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "ResharedBy",
                table: "outgoing_shares",
                type: "character varying(600)",
                maxLength: 600,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "reshares",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    UserId = table.Column<long>(type: "bigint", nullable: false),
                    ReceivedShareId = table.Column<long>(type: "bigint", nullable: false),
                    ShareWith = table.Column<string>(type: "character varying(600)", maxLength: 600, nullable: false),
                    Permissions = table.Column<int>(type: "integer", nullable: false),
                    State = table.Column<string>(type: "character varying(30)", maxLength: 30, nullable: false),
                    Reason = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true),
                    Created = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    Updated = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_reshares", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_outgoing_shares_ReshareParentId",
                table: "outgoing_shares",
                column: "ReshareParentId");

            migrationBuilder.CreateIndex(
                name: "IX_reshares_ReceivedShareId",
                table: "reshares",
                column: "ReceivedShareId");

            migrationBuilder.CreateIndex(
                name: "IX_reshares_UserId",
                table: "reshares",
                column: "UserId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "reshares");

            migrationBuilder.DropIndex(
                name: "IX_outgoing_shares_ReshareParentId",
                table: "outgoing_shares");

            migrationBuilder.DropColumn(
                name: "ReshareParentId",
                table: "outgoing_shares");

            migrationBuilder.DropColumn(
                name: "ResharedBy",
                table: "outgoing_shares");
        }
    }
}

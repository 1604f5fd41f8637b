using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Ocm.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class ExplicitOutboxBodyAndLockPrincipal : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AlterColumn<byte[]>(
                name: "Body",
                table: "outbox",
                type: "BLOB",
                nullable: true,
                oldClrType: typeof(byte[]),
                oldType: "BLOB");

            migrationBuilder.AddColumn<string>(
                name: "PrincipalKind",
                table: "file_locks",
                type: "TEXT",
                maxLength: 10,
                nullable: false,
                defaultValue: "User");

            // SQLite rebuilds the outbox table (Body becomes nullable) only at the end of this migration, so the data
            // that needs the new shape is rewritten in the next one (EarlierMagicValuesMadeExplicit).
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "PrincipalKind",
                table: "file_locks");

            migrationBuilder.AlterColumn<byte[]>(
                name: "Body",
                table: "outbox",
                type: "BLOB",
                nullable: false,
                defaultValue: new byte[0],
                oldClrType: typeof(byte[]),
                oldType: "BLOB",
                oldNullable: true);
        }
    }
}

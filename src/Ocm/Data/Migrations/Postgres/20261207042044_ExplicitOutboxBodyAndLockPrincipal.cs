using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Ocm.Data.Migrations.Postgres
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
                type: "bytea",
                nullable: true,
                oldClrType: typeof(byte[]),
                oldType: "bytea");

            migrationBuilder.AddColumn<string>(
                name: "PrincipalKind",
                table: "file_locks",
                type: "character varying(10)",
                maxLength: 10,
                nullable: false,
                defaultValue: "User");

            // What earlier versions spelled with magic values, in the columns that now say it: a share still to be
            // composed at delivery had an empty body; a lock taken by a share's recipient had the share's id negated.
            migrationBuilder.Sql("""UPDATE outbox SET "Body" = NULL WHERE length("Body") = 0""");
            migrationBuilder.Sql("""UPDATE file_locks SET "PrincipalKind" = 'Share', "PrincipalId" = -"PrincipalId" WHERE "PrincipalId" < 0""");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""UPDATE file_locks SET "PrincipalId" = -"PrincipalId" WHERE "PrincipalKind" = 'Share'""");
            migrationBuilder.Sql("""UPDATE outbox SET "Body" = ''::bytea WHERE "Body" IS NULL""");
            migrationBuilder.DropColumn(
                name: "PrincipalKind",
                table: "file_locks");

            migrationBuilder.AlterColumn<byte[]>(
                name: "Body",
                table: "outbox",
                type: "bytea",
                nullable: false,
                defaultValue: new byte[0],
                oldClrType: typeof(byte[]),
                oldType: "bytea",
                oldNullable: true);
        }
    }
}

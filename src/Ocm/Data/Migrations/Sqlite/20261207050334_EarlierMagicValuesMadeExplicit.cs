using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Ocm.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class EarlierMagicValuesMadeExplicit : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // What earlier versions spelled with magic values, in the columns that now say it: a share still to be
            // composed at delivery had an empty body; a lock taken by a share's recipient had the share's id negated.
            // A migration of its own: on SQLite the previous one makes "Body" nullable by rebuilding the table last.
            migrationBuilder.Sql("""UPDATE outbox SET "Body" = NULL WHERE length("Body") = 0""");
            migrationBuilder.Sql("""UPDATE file_locks SET "PrincipalKind" = 'Share', "PrincipalId" = -"PrincipalId" WHERE "PrincipalId" < 0""");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""UPDATE file_locks SET "PrincipalId" = -"PrincipalId" WHERE "PrincipalKind" = 'Share'""");
            migrationBuilder.Sql("""UPDATE outbox SET "Body" = X'' WHERE "Body" IS NULL""");
        }
    }
}

//! Admin accounts: users, their sessions (shared by every Tether process through the database),
//! sign-in attempts for throttling, and the audit trail.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .col(pk_auto(Users::Id))
                    .col(string_len(Users::Email, 254))
                    // Lowercased email: uniqueness that ignores case, on both databases.
                    .col(string_len_uniq(Users::EmailKey, 254))
                    .col(string_len(Users::DisplayName, 120))
                    .col(
                        string_len(Users::Role, 20)
                            .check(Expr::col(Users::Role).is_in(["admin", "editor", "marketer"])),
                    )
                    .col(boolean(Users::Active))
                    .col(text(Users::PasswordHash))
                    .col(timestamp_with_time_zone(Users::PasswordChangedAt))
                    .col(timestamp_with_time_zone_null(Users::LastLoginAt))
                    .col(timestamp_with_time_zone(Users::CreatedAt))
                    .col(timestamp_with_time_zone(Users::UpdatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Sessions::Table)
                    .col(string_len(Sessions::Id, 64).primary_key())
                    .col(text(Sessions::Data))
                    .col(integer_null(Sessions::UserId))
                    .col(timestamp_with_time_zone(Sessions::ExpiresAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_sessions_user")
                            .from(Sessions::Table, Sessions::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ix_sessions_user",
            Sessions::Table,
            &[Sessions::UserId],
        )
        .await?;
        index(
            manager,
            "ix_sessions_expires_at",
            Sessions::Table,
            &[Sessions::ExpiresAt],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(LoginAttempts::Table)
                    .col(big_pk_auto(LoginAttempts::Id))
                    .col(timestamp_with_time_zone(LoginAttempts::At))
                    .col(string_len(LoginAttempts::EmailKey, 254))
                    .col(string_len(LoginAttempts::ClientAddr, 64))
                    .col(boolean(LoginAttempts::Succeeded))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ix_login_attempts_email_at",
            LoginAttempts::Table,
            &[LoginAttempts::EmailKey, LoginAttempts::At],
        )
        .await?;
        index(
            manager,
            "ix_login_attempts_addr_at",
            LoginAttempts::Table,
            &[LoginAttempts::ClientAddr, LoginAttempts::At],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(AuditEvents::Table)
                    .col(big_pk_auto(AuditEvents::Id))
                    .col(timestamp_with_time_zone(AuditEvents::At))
                    .col(integer_null(AuditEvents::UserId))
                    .col(string_len(AuditEvents::Actor, 254))
                    .col(string_len(AuditEvents::Action, 60))
                    .col(text(AuditEvents::Subject))
                    .col(string_len(AuditEvents::ClientAddr, 64))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_audit_events_user")
                            .from(AuditEvents::Table, AuditEvents::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ix_audit_events_at",
            AuditEvents::Table,
            &[AuditEvents::At],
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            AuditEvents::Table.into_iden(),
            LoginAttempts::Table.into_iden(),
            Sessions::Table.into_iden(),
            Users::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

async fn index<T: IntoIden, C: IntoIden + Copy>(
    manager: &SchemaManager<'_>,
    name: &str,
    table: T,
    cols: &[C],
) -> Result<(), DbErr> {
    let mut statement = Index::create();
    statement.name(name).table(table);
    for col in cols {
        statement.col(*col);
    }
    manager.create_index(statement.to_owned()).await
}

#[derive(DeriveIden, Clone, Copy)]
enum Users {
    Table,
    Id,
    Email,
    EmailKey,
    DisplayName,
    Role,
    Active,
    PasswordHash,
    PasswordChangedAt,
    LastLoginAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Sessions {
    Table,
    Id,
    Data,
    UserId,
    ExpiresAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum LoginAttempts {
    Table,
    Id,
    At,
    EmailKey,
    ClientAddr,
    Succeeded,
}

#[derive(DeriveIden, Clone, Copy)]
enum AuditEvents {
    Table,
    Id,
    At,
    UserId,
    Actor,
    Action,
    Subject,
    ClientAddr,
}

"""Named settings kept in the database, and the web UI's session-signing secret.

The secret signs the UI's session cookies. It belongs to the database (every worker
and every instance serving the same data must agree on it), so it is generated here,
once per database, from the operating system's random source.
"""
import secrets

from peewee import CharField, Model, TextField

SESSION_SECRET = "ui.session_secret"


def up(migrator, db):
    class AppSetting(Model):
        name = CharField(max_length=64, primary_key=True)
        value = TextField()

        class Meta:
            database = db
            table_name = 'app_setting'

    db.create_tables([AppSetting])
    AppSetting.insert(name=SESSION_SECRET, value=secrets.token_urlsafe(48)).on_conflict_ignore().execute()


def down(migrator, db):
    migrator.migrate(migrator.drop_table('app_setting'))

"""The command-line tasks: schema, users, and the demo data of the annual report."""

from sqlalchemy import func, select

from coalition.database import db
from coalition.models import (
    AwarenessActivity,
    Case,
    Contact,
    Meeting,
    Office,
    Partner,
    Training,
    User,
    Video,
)
from tests.helpers import DEMO_PASSWORD


def counts() -> dict:
    """How many rows each demo table holds."""
    return {m.__name__: db.session.scalar(select(func.count()).select_from(m))
            for m in (Office, User, Case, Meeting, Training, Video, AwarenessActivity,
                      Partner, Contact)}


def test_commands_speak_the_chosen_language(app):
    runner = app.test_cli_runner()
    arabic = runner.invoke(args=["init-db"], env={"COALITION_LANG": "ar", "LANG": ""})
    english = runner.invoke(args=["init-db"], env={"COALITION_LANG": "en"})
    assert "Database is at the current schema." in english.output
    assert "Database is" not in arabic.output and "قاعدة البيانات" in arabic.output


def test_init_db_is_repeatable(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["init-db"]).exit_code == 0
    assert runner.invoke(args=["init-db"]).exit_code == 0


def test_create_user_command(app, ctx):
    runner = app.test_cli_runner()
    db.session.add(Office(code="protection", name_ar="مكتب الحماية"))
    db.session.commit()
    result = runner.invoke(args=["create-user", "amal", "--role", "coordinator", "--office",
                                 "protection", "--password", "twelve chars ok"])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.username == "amal"))
    assert user.office.code == "protection" and user.check_password("twelve chars ok")
    short = runner.invoke(args=["create-user", "b", "--role", "donor", "--password", "short"])
    assert short.exit_code != 0 and "12" in short.output
    no_office = runner.invoke(args=["create-user", "c", "--role", "coordinator",
                                    "--password", "twelve chars ok"])
    assert no_office.exit_code != 0


def test_demo_reproduces_the_report_and_runs_twice_without_duplicates(app, demo, ctx):
    # `demo` is the output of the session's one run of the command, whose rows are copied in
    assert DEMO_PASSWORD in demo
    runner = app.test_cli_runner()
    loaded = counts()
    second = runner.invoke(args=["demo", "--password", "demo password 2"])
    assert second.exit_code == 0 and "demo password 2" in second.output
    assert counts() == loaded
    assert loaded["Case"] == 1700 and loaded["Contact"] > 3000
    # the raw records behind the report's headline figures
    cases = db.session.execute(select(
        func.count().filter(Case.status == "follow_up"),
        func.count().filter(Case.mediation != "none"),
        func.count().filter(Case.mediation == "immigration"),
        func.count().filter(Case.court_referral != "none"),
    )).one()
    assert tuple(cases) == (13, 54, 50, 8)
    by_category = dict(db.session.execute(
        select(Meeting.counterpart_category, func.count()).group_by(
            Meeting.counterpart_category)).all())
    assert by_category == {"tr_government": 71, "tr_ngo": 68, "tr_media": 43,
                           "sy_institution": 27, "sy_media": 32, "intl": 16, None: 186}
    trainings = db.session.execute(select(
        func.sum(Training.hours), func.sum(Training.participants), func.sum(Training.trainers),
        func.count().filter(Training.training_kind == "workshop"))).one()
    assert tuple(trainings) == (470, 850, 127, 19)
    for username in ("admin", "leadership", "coordinator", "donor"):
        user = db.session.scalar(select(User).where(User.username == username))
        assert user.check_password("demo password 2")

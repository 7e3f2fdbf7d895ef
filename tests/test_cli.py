"""Operator commands: projects, batches, payouts, owner links, holds."""
import datetime as dt

from sqlalchemy import func, select

from app.models import CreditBatch, Order, Payout, Project, ProjectOwner, utcnow


def test_add_project_and_batches_refusing_overlaps(runner, db):
    result = runner.invoke(args=["add-project", "--name", "Aba Grassland", "--owner", "Aba Co-op", "--kind",
                                 "Grassland", "--place", "Aba, Sichuan", "--standard", "CCER", "--vintage", "2024",
                                 "--price", "6000", "--price-source", "Owner's list price", "--price-year", "2026"])
    assert result.exit_code == 0, result.output
    project = db.session.scalar(select(Project).where(Project.name == "Aba Grassland"))
    ok = runner.invoke(args=["add-batch", str(project.id), "--prefix", "ABA-2024", "--first", "1",
                             "--quantity", "1000"])
    assert ok.exit_code == 0 and "ABA-2024-0000000001..ABA-2024-0000001000" in ok.output
    overlap = runner.invoke(args=["add-batch", str(project.id), "--prefix", "ABA-2024", "--first", "1000",
                                  "--quantity", "10"])
    assert overlap.exit_code != 0 and "overlap" in overlap.output
    adjacent = runner.invoke(args=["add-batch", str(project.id), "--prefix", "ABA-2024", "--first", "1001",
                                   "--quantity", "10"])
    assert adjacent.exit_code == 0
    assert db.session.scalar(select(func.count()).select_from(CreditBatch)) == 2


def test_add_project_refuses_bad_input(runner, db):
    result = runner.invoke(args=["add-project", "--name", "X", "--owner", "Y", "--kind", "K", "--place", "P",
                                 "--standard", "S", "--vintage", "2024", "--price", "0", "--price-source", "s",
                                 "--price-year", "2026"])
    assert result.exit_code != 0
    assert db.session.scalar(select(func.count()).select_from(Project)) == 0


def test_payouts_report_and_record(runner, db, make_project, make_order):
    project = make_project(price=5800)
    make_order(project=project, kg=1000)  # owner is owed 5220
    owner_id = project.owner_id
    report = runner.invoke(args=["payouts"])
    assert report.exit_code == 0 and "5220" in report.output
    too_much = runner.invoke(args=["record-payout", str(owner_id), "6000"])
    assert too_much.exit_code != 0
    paid = runner.invoke(args=["record-payout", str(owner_id), "5000", "--reference", "ICBC 123"])
    assert paid.exit_code == 0 and "220 still owed" in paid.output
    assert db.session.scalar(select(func.sum(Payout.amount_minor))) == 5000
    csv_out = runner.invoke(args=["payouts", "--csv", str(owner_id)])
    assert csv_out.output.startswith("order,paid_at,project,kg")


def test_owner_link_serves_the_statement(runner, client, db, make_project, make_order):
    project = make_project(price=5800)
    make_order(project=project, kg=1000)
    link = runner.invoke(args=["owner-link", str(project.owner_id)]).output.strip()
    path = link.split("localhost", 1)[1]
    page = client.get(path)
    assert page.status_code == 200 and "¥52.20" in page.get_data(as_text=True)
    assert client.get(path + ".csv").mimetype == "text/csv"
    assert client.get("/owners/" + "x" * 32).status_code == 404
    assert db.session.get(ProjectOwner, project.owner_id).statement_token in link


def test_expire_holds(runner, db, make_order):
    make_order(kg=5, paid=False, now=utcnow() - dt.timedelta(hours=1))
    result = runner.invoke(args=["expire-holds"])
    assert "1 holds expired" in result.output
    assert db.session.scalar(select(Order.status)) == "expired"


def test_project_page_shows_batches_and_money_passed(client, make_project, make_order):
    project = make_project(price=5800)
    make_order(project=project, kg=1000)
    page = client.get(f"/p/{project.id}").get_data(as_text=True)
    assert "T1-0-0000001000" in page and "¥52.20" in page
    assert client.get("/p/9999").status_code == 404


def test_payments_whose_refund_failed_are_listed_for_operators(runner, db, make_order):
    order = make_order(kg=5, paid=False)
    order.status = "refund_due"
    order.payment_ref = "cs_test_lost"
    db.session.commit()
    report = runner.invoke(args=["payouts"])
    assert f"TO REFUND by hand: {order.public_id} {order.amount_minor} CNY" in report.output


def test_add_event_takes_the_venues_time_zone(runner, db, make_project):
    from app.models import Event, Organization

    make_project()  # a CNY project, so the currency is on offer
    db.session.add(Organization(name="Acme Events"))
    db.session.commit()
    ok = runner.invoke(args=["add-event", "--organization", "Acme Events", "--name", "Urumqi Forum",
                             "--country", "CN", "--timezone", "Asia/Urumqi"])
    assert ok.exit_code == 0, ok.output
    assert "(Asia/Urumqi)" in ok.output
    usual = runner.invoke(args=["add-event", "--organization", "Acme Events", "--name", "Chengdu Forum",
                                "--country", "CN"])
    assert usual.exit_code == 0 and "(Asia/Shanghai)" in usual.output
    refused = runner.invoke(args=["add-event", "--organization", "Acme Events", "--name", "Paris Forum",
                                  "--country", "CN", "--timezone", "Europe/Paris"])
    assert refused.exit_code != 0 and "time zones of the event's country" in refused.output
    zones = dict(db.session.execute(select(Event.name, Event.timezone)).all())
    assert zones == {"Urumqi Forum": "Asia/Urumqi", "Chengdu Forum": "Asia/Shanghai"}

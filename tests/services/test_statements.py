from app.models import ProjectOwner
from app.services.sales import statements


def test_statement_sums_paid_orders_and_payouts(db, make_project, make_order):
    project = make_project(quantity=100_000, price=5800)
    make_order(project=project, kg=1000)  # 5800 fen, fee 10 % -> owner 5220
    make_order(project=project, kg=500)  # 2900 -> owner 2610
    make_order(project=project, kg=300, paid=False)  # pending: not owed yet
    owner = db.session.get(ProjectOwner, project.owner_id)
    st = statements.statement(db.session, owner)
    (line,) = st.lines
    assert (line.orders, line.kg, line.gross_minor, line.owed_minor) == (2, 1500, 8700, 7830)
    assert st.owed("CNY") == 7830 and st.balance("CNY") == 7830
    csv_text = statements.to_csv(db.session, owner)
    assert csv_text.count("\n") == 3 and "T1-0:1000-1999" in csv_text

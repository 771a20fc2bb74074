"""The dashboard in a real Chromium, in Arabic: a selection with no records says so instead of
drawing empty axes, count axes read in whole numbers, and a period typed in Arabic-Indic
digits in the dashboard's own date box is read and the figures follow it."""

import re

import pytest

from tests.helpers import ARTIFACTS, DEMO_PASSWORD

pytestmark = pytest.mark.browser  # skipped, saying why, where Chromium is missing

#: the charts whose value axis counts, and which of their axes that is
COUNT_AXES = {"counterparts": "xtick", "activity": "ytick", "trainings": "ytick",
              "participants": "ytick", "partnerships": "ytick"}
#: a whole number as Plotly writes it with the ",d" format (U+2212 for a minus)
WHOLE = re.compile(r"^−?\d{1,3}(,\d{3})*$")


def open_dashboard(chromium, server: str, lang: str = "ar"):
    """Leadership signed in, in `lang`; script errors collected on the tab."""
    context = chromium.new_context(locale=lang, viewport={"width": 1400, "height": 1000})
    tab = context.new_page()
    tab.errors = []
    tab.on("pageerror", lambda error: tab.errors.append(str(error)))
    tab.goto(f"{server}/login")
    tab.fill("input[name=username]", "leadership")
    tab.fill("input[name=password]", DEMO_PASSWORD)
    tab.click("main form button[type=submit]")
    tab.wait_for_url(f"{server}/")
    if lang != "ar":
        tab.request.post(f"{server}/language/{lang}", form={"next": "/"})
    return context, tab


def wait_for_charts(tab) -> None:
    """Until every chart on the page is drawn."""
    tab.wait_for_function("""() => [...document.querySelectorAll('.chart[data-figure]')]
        .every((chart) => chart.querySelector('.main-svg'))""", timeout=30000)


def ticks(tab, chart: str, kind: str) -> list[str]:
    """The tick labels of one axis kind (xtick or ytick) of a drawn chart."""
    return [text.strip() for text in
            tab.locator(f"#chart-{chart} .{kind} text").all_text_contents()]


def shot(tab, name: str) -> None:
    """Keep a full-page screenshot for people to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    tab.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_a_selection_with_no_records_shows_a_sentence_not_empty_axes(server, chromium):
    context, tab = open_dashboard(chromium, server)
    tab.goto(f"{server}/dashboard/?year=2015")
    assert tab.get_attribute("html", "dir") == "rtl"
    nothing = tab.locator(".chart-nothing")
    assert nothing.count() == 7
    assert set(nothing.all_text_contents()) == {"لا سجلات لهذا الاختيار"}
    # no chart drawn at all, so no axis running from −1 to 1
    assert tab.locator(".js-plotly-plot").count() == 0
    labels = tab.locator(".xtick text, .ytick text").all_text_contents()
    assert "−1" not in labels and "-1" not in labels
    shot(tab, "dashboard-empty-ar")
    # the page leaves out the record forms' scripts; its menus still open
    assert tab.locator("script[src*=select2], script[src*=forms]").count() == 0
    tab.click("#account-menu")
    assert tab.locator("[aria-labelledby=account-menu]").is_visible()
    assert not tab.errors, tab.errors
    context.close()


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_count_axes_read_in_whole_numbers(server, chromium, lang):
    context, tab = open_dashboard(chromium, server, lang)
    # the whole report, then one month, whose counts are small
    for query, name in (("", f"dashboard-{lang}"),
                        ("?year=2024&month=3", f"dashboard-month-{lang}")):
        tab.goto(f"{server}/dashboard/{query}")
        wait_for_charts(tab)
        drawn = [chart for chart in COUNT_AXES if tab.locator(f"#chart-{chart}").count()]
        assert len(drawn) >= 3, query
        for chart in drawn:
            labels = ticks(tab, chart, COUNT_AXES[chart])
            assert labels and all(WHOLE.match(label) for label in labels), (query, chart, labels)
            assert len(labels) == len(set(labels)), (query, chart, labels)  # no 0, 0, 1, 1
            assert "−1" not in labels, (query, chart, labels)
        # the offices: one small chart per kind of work, each bar with its value written
        assert tab.locator("#chart-offices .cartesianlayer .subplot").count() == 6, query
        values = [text.strip() for text in
                  tab.locator("#chart-offices .bartext").all_text_contents()]
        assert values and all(WHOLE.match(value) for value in values), values
        assert query or "1,700" in values  # the legal protection office's cases
        shot(tab, name)
        # each kind of work in the monthly chart keeps whole numbers, small as its counts are
        for view in tab.locator("#activity-view option").evaluate_all(
                "(options) => options.map((option) => option.value)")[1:]:
            tab.select_option("#activity-view", view)
            tab.wait_for_function("""(view) => document.getElementById('chart-activity').data
                .some((trace) => trace.visible === true && trace.meta.view === Number(view))""",
                                  arg=view)
            labels = ticks(tab, "activity", "ytick")
            assert labels and all(WHOLE.match(label) for label in labels), (query, view, labels)
            assert len(labels) == len(set(labels)), (query, view, labels)
    assert not tab.errors, tab.errors
    context.close()


def test_the_date_box_reads_arabic_digits_and_the_figures_follow(server, chromium):
    context, tab = open_dashboard(chromium, server)
    tab.goto(f"{server}/dashboard/")
    wait_for_charts(tab)
    everything = card_values(tab)
    box = tab.locator("#f-to")
    assert box.get_attribute("type") == "text" and box.get_attribute("dir") == "ltr"
    assert "25/11/2024" in tab.locator("#f-to-hint").inner_text()  # the format, beside it
    box.click()
    assert tab.locator(".datepicker-popup[data-for=f-to]").is_visible()  # the app's picker
    box.fill("٢٥/١١/٢٠٢٤")
    tab.keyboard.press("Escape")
    tab.click("#dashboard-filters button[type=submit]")
    tab.wait_for_url("**/dashboard/?*")
    wait_for_charts(tab)
    assert tab.locator("#filter-error").count() == 0
    assert "25 نوفمبر 2024" in tab.locator("#dashboard-period").inner_text()  # read out
    assert tab.input_value("#f-to") == "25/11/2024"
    # the cards are the figures of the period up to that day, as the API gives them
    api = tab.request.get(f"{tab.url.split('/dashboard/')[0]}/api/kpis?to=2024-11-25").json()
    shown = card_values(tab)
    assert shown and all(api["kpis"][key] == value for key, value in shown.items()), shown
    assert shown != everything

    # a date that cannot be read: the page says so and shows the rest, never an error page
    tab.fill("#f-to", "٣١/٠٢/٢٠٢٤")
    tab.keyboard.press("Escape")
    tab.click("#dashboard-filters button[type=submit]")
    tab.wait_for_url("**/dashboard/?*")
    assert tab.locator("#filter-error").is_visible()
    assert "is-invalid" in (tab.get_attribute("#f-to", "class") or "")
    wait_for_charts(tab)
    assert card_values(tab) == everything
    shot(tab, "dashboard-bad-date-ar")
    assert not tab.errors, tab.errors
    context.close()


def card_values(tab) -> dict[str, int]:
    """Each card's figure, by its key in the API."""
    found = tab.locator(".kpi-card .kpi-value[data-value]").evaluate_all(
        """(values) => values.map((value) => [value.closest('[data-kpi]').dataset.kpi,
                                             value.dataset.value])""")
    return {key: float(value) for key, value in found}


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_a_monthly_bar_opens_the_records_of_its_month(server, chromium, lang):
    """The monthly chart is sent with its months once; the page gives each bar its month and
    its link, and a click opens that month's records of that kind and track."""
    context, tab = open_dashboard(chromium, server, lang)
    tab.goto(f"{server}/dashboard/?year=2024")
    wait_for_charts(tab)
    tab.select_option("#activity-view", "1")  # meetings
    tab.wait_for_function("""() => document.getElementById('chart-activity').data
        .some((trace) => trace.visible === true && trace.meta.view === 1)""")
    months = tab.evaluate("""() => document.getElementById('chart-activity').data
        .map((trace) => trace.x.length)""")
    assert len(set(months)) == 1 and months[0] == 12, months
    bar = tab.locator("#chart-activity .bars .point path").filter(
        has=tab.locator("xpath=self::*[not(@d='M0,0Z')]")).first
    with tab.expect_navigation():
        bar.click(force=True)
    opened = tab.url
    assert "/meetings/" in opened and re.search(r"2024-\d\d-01\+to\+2024-\d\d-\d\d", opened), opened
    assert tab.locator("table.model-list tbody tr").count() > 0
    assert not tab.errors, tab.errors
    context.close()

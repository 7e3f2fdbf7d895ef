"""The one picker of names per language (app/services/names.py) and its fallback order."""
from app.models import Event, Organization, Project, ProjectOwner
from app.services import names


def forum(city: str = "Chengdu", **names_by_language) -> Event:
    return Event(slug="f", name="China Digital Carbon Neutrality Forum", venue_name="Chengdu Global Center",
                 description="The first forum.", city=city, names=names_by_language)


def test_each_language_picks_its_own_text_and_english_is_the_column():
    event = forum(zh={"name": "首届中国数字碳中和高峰论坛", "venue_name": "成都新世纪环球中心"},
                  fil={"name": "Unang Forum"})
    assert names.pick(event, "name", "zh") == "首届中国数字碳中和高峰论坛"
    assert names.pick(event, "venue_name", "zh") == "成都新世纪环球中心"
    assert names.pick(event, "name", "fil") == "Unang Forum"
    assert names.pick(event, "name", "en") == "China Digital Carbon Neutrality Forum"


def test_a_missing_text_falls_back_to_english_never_to_another_language():
    event = forum(zh={"name": "首届中国数字碳中和高峰论坛", "description": "首届论坛。"})
    assert names.fallback("zh") == ("zh", "en") and names.fallback("fil") == ("fil", "en")
    assert names.fallback("en") == ("en",)
    assert names.pick(event, "name", "fil") == "China Digital Carbon Neutrality Forum"  # not the Chinese
    assert names.pick(event, "venue_name", "zh") == "Chengdu Global Center"
    assert names.pick(event, "description", "fil") == "The first forum."
    assert names.pick(event, "name", None) == names.pick(event, "name", "xx") == event.name  # unknown: English
    assert names.pick(event, "name", "zh-CN") == "首届中国数字碳中和高峰论坛"  # a tag is normalized
    assert names.pick(None, "name", "zh") == ""
    assert names.pick(Event(name="Bare"), "name", "zh") == "Bare"  # no names at all (a new, unsaved row)


def test_a_city_shows_the_place_datas_name_unless_one_was_entered():
    assert names.pick(forum(), "city", "zh") == "成都"  # app/data/place_names.csv
    assert names.pick(forum(), "city", "fil") == "Chengdu"  # no Filipino place names: English
    assert names.pick(forum(zh={"city": "蓉城"}), "city", "zh") == "蓉城"
    assert names.pick(forum(city="Nowhere Town"), "city", "zh") == "Nowhere Town"
    assert names.pick(forum(city=""), "city", "zh") == ""


def test_every_table_has_its_fields():
    project = Project(name="Liangshan Forest Restoration", kind="Forestry", place="Liangshan, Sichuan",
                      description="Replanting.",
                      names={"zh": {"name": "凉山彝族自治州森林恢复项目", "kind": "林业碳汇"}})
    assert names.pick(project, "kind", "zh") == "林业碳汇"
    assert names.pick(project, "place", "zh") == "Liangshan, Sichuan"
    owner = ProjectOwner(name="Liangshan Forestry Cooperative", names={"zh": {"name": "凉山林业合作社"}})
    org = Organization(name="Acme Events", names={"fil": {"name": "Acme Mga Kaganapan"}})
    assert names.pick(owner, "name", "zh") == "凉山林业合作社"
    assert names.pick(org, "name", "fil") == "Acme Mga Kaganapan" and names.pick(org, "name", "zh") == "Acme Events"
    assert names.every_language(owner) == {"en": {"name": "Liangshan Forestry Cooperative"},
                                           "zh": {"name": "凉山林业合作社"},
                                           "fil": {"name": "Liangshan Forestry Cooperative"}}


def test_set_names_keeps_known_languages_and_fields_and_drops_empty_texts():
    event = forum()
    names.set_names(event, {"zh": {"name": "  首届  论坛 ", "venue_name": "", "kind": "no such field",
                                   "description": " 第一行\n第二行 "},
                            "en": {"name": "English is the column"}, "xx": {"name": "unknown language"},
                            "fil": {"name": None}})
    assert event.names == {"zh": {"name": "首届 论坛", "description": "第一行\n第二行"}}
    assert event.name == "China Digital Carbon Neutrality Forum"


def test_set_names_merging_changes_only_what_is_given_and_an_empty_text_removes_one():
    event = forum(zh={"name": "论坛", "venue_name": "会场"})
    names.set_names(event, {"fil": {"name": "Forum"}, "zh": {"venue_name": "新会场"}}, replace=False)
    assert event.names == {"zh": {"name": "论坛", "venue_name": "新会场"}, "fil": {"name": "Forum"}}
    names.set_names(event, {"zh": {"venue_name": ""}, "fil": {"name": ""}}, replace=False)
    assert event.names == {"zh": {"name": "论坛"}}
    names.set_names(event, {"fil": {"name": "Forum"}})  # a form's post replaces them all
    assert event.names == {"fil": {"name": "Forum"}}


def test_matches_searches_every_language_but_not_the_json_keys():
    event = forum(zh={"name": "首届中国数字碳中和高峰论坛"})
    assert names.matches(event, "论坛") and names.matches(event, "forum") and names.matches(event, "GLOBAL")
    assert not names.matches(event, "venue_name") and not names.matches(event, "zh")
    assert names.event_matches(event, "成都")  # the city, by the place data
    assert not names.event_matches(forum(city="Beijing"), "成都")

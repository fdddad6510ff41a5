"""Special populations and visit frequencies (schemas.population, DESIGN 17)."""

from __future__ import annotations

import pytest

from schemas import codes, population


def test_every_special_population_is_a_tag_with_zh_and_en_labels():
    for tag in ("released_prisoner", "community_correction", "severe_mental", "drug_user", "key_youth",
                "key_petitioner", "veteran", "extreme_poverty"):
        zh, en = codes.TAGS[tag]
        assert zh and en and zh != en
        assert codes.to_code("tag", zh) == tag
    assert population.SENSITIVE_TAGS <= set(codes.TAGS)
    assert set(codes.PERSON_STATUSES) == set(population.PERSON_STATUSES)


@pytest.mark.parametrize("risk, every", [(None, 90), (0, 90), (2, 90), (3, 14), (5, 14)])
def test_severe_mental_is_visited_by_risk_level(risk, every):
    assert population.visit_every_days(["severe_mental"], risk) == (["severe_mental"], every)


def test_the_shortest_frequency_wins_and_untracked_tags_are_ignored():
    assert population.visit_every_days(["veteran", "severe_mental"], 4)[1] == 14
    assert population.visit_every_days(["veteran", "severe_mental"], 1)[1] == 30
    assert population.visit_every_days(["elderly_alone", "drug_user"], None)[1] == 7
    assert population.visit_every_days([], None) == ([], None)
    assert population.visit_every_days(["household"], None) == ([], None)


@pytest.mark.parametrize("role", ["unit", "someone_new"])
def test_roles_that_do_not_follow_special_populations_never_see_them(role):
    person = {"id": "p", "tags": ["elderly_alone", "drug_user", "severe_mental"], "key_person_type": "drug_user",
              "risk_level": 4}
    seen = population.visible_record(person, role)
    assert seen["tags"] == ["elderly_alone"] and seen["key_person_type"] is None and seen["risk_level"] is None
    assert person["tags"] == ["elderly_alone", "drug_user", "severe_mental"]  # the original is untouched


@pytest.mark.parametrize("role", ["gridworker", "village", "station", "county", "admin"])
def test_roles_that_follow_them_see_everything(role):
    person = {"id": "p", "tags": ["drug_user"], "key_person_type": None, "risk_level": None}
    assert population.visible_record(person, role) == person
    assert population.is_sensitive(person)
    assert not population.is_sensitive({"tags": ["veteran", "extreme_poverty"]})

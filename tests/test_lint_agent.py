"""The person-as-cause back-up layer (agent/checks/agentcause.py, rule kind `agent`)."""

import pytest

from agent.checks.blameless import lint_text

RULE = "person-agent-cause"


def rules(text: str, **kw) -> set[str]:
    return {f.rule for f in lint_text(text, **kw)}


@pytest.mark.parametrize("text", [
    "Iolanthe's rushed change to the proxy config is why search went down.",  # name not in the list, possessive
    "Ottoline skipped the staging soak and shipped the build.",  # shape: capitalised word + past verb
    "The contractor hardcoded the signing key in the repo.",  # role noun + blameful action
    "Thanks to Tancredi's cleanup, the backups are gone.",  # sarcastic "thanks to"
    "Tancredi merged the migration without waiting for a reviewer.",
])
def test_person_as_cause_fires_on_unseen_names_and_shapes(text):
    assert RULE in rules(text)


@pytest.mark.parametrize("text", [
    "Zdravko rolled back the proxy config change that caused the outage.",  # neutral response verb
    "Nkechi paged the search team after the cluster went down.",
    "The deploy paged the on-call engineer, which led to a rollback.",  # the person is the object
    "Kafka dropped messages after the broker restart, leading to a backlog.",  # a system, not a person
    "The log said `Bob deleted queue: caused by timeout`.",  # code text is masked
    "Traffic shifted to the west region and latency rose.",
])
def test_person_as_cause_stays_quiet_on_neutral_actions_and_systems(text):
    assert RULE not in rules(text)


def test_back_up_does_not_resurrect_a_disabled_specific_rule():
    text = "The engineer forgot to renew the certificate."
    assert "forgot" in rules(text) and RULE not in rules(text)  # the specific rule wins, no duplicate
    assert RULE not in rules(text, config={"disable": ["forgot"]})


def test_back_up_can_be_disabled_by_config():
    text = "Nkechi skipped the staging soak and shipped the build."
    assert RULE not in rules(text, config={"disable": [RULE]})


@pytest.mark.parametrize("text", [
    "It was Tamsin who merged the change that took search down.",  # who-clause, name not in the list
    "The real issue was Anouk deciding the soak test was optional.",  # -ing subject + "decided X was optional"
    "Was it really necessary for Ilario to rebuild every index at rush hour?",  # "for X to", rhetorical question
    "Our DBA, as always, ran the vacuum in the middle of the trading day.",  # an aside between role and verb
    "Somebody in ops rebooted the primary while the replica was still catching up.",  # qualified subject
    "Bogumil pushed an untested build to every edge node.",  # lapse descriptor, whatever the verb
    "The new hire dropped a column that three services still read.",  # destructive verb on a data store
    "Jovana's cleanup script deleted the live session keys.",  # possessive + destructive verb
    "Dong-hyun rebooted both brokers at the same time.",  # hyphenated given name
])
def test_person_as_actor_of_a_risky_action_fires(text):
    assert RULE in rules(text)


@pytest.mark.parametrize("text", [
    "It was Tamsin who first spotted the replication lag.",
    "Marek followed the runbook step that restarts all brokers at once.",  # reported content, not a lapse
    "Anouk asked why the deploy went ahead despite the failing check.",
    "Ilario deleted the stuck pods, and the scheduler rescheduled them.",  # benign object of a destructive verb
    "Radomir disabled the rate limiter at 09:40 to restore partner traffic.",  # mitigation purpose
    "Messages piled up after the consumer crashed on a malformed payload.",  # plural noun, not a name
    "The search team's nightly job saturated the replica's disks.",  # a team owns systems
    "Thanks to Jovana for staying on the bridge until the backlog cleared.",  # gratitude, not cause
    "Redis evicted hot keys once memory hit the limit, and latency doubled.",
    "Argo skipped the sync because the manifest hash had not changed.",
    "Monday's deploy introduced a query that scanned the full orders table.",
])
def test_neutral_work_and_systems_stay_clean(text):
    assert RULE not in rules(text)


def test_naming_alone_stays_info_but_a_named_actor_of_damage_is_an_error():
    neutral = lint_text("Priya joined the bridge at 02:10.")
    assert {f.severity for f in neutral} == {"info"}
    blamed = lint_text("Priya deleted the orders table.")
    assert any(f.severity == "error" for f in blamed)


def test_name_list_is_large_and_multicultural_without_products():
    from agent.checks.subject import first_names, subject_names
    names = first_names()
    assert len(names) > 5000
    for name in ("wanjiru", "joaquin", "siobhan", "oluwaseun", "mehmet", "haruto", "priya", "tomasz", "ngozi"):
        assert name in names, name
    for product in ("kafka", "redis", "argo", "postgres", "apollo", "loki", "monday", "june", "mark"):
        assert product not in names, product
    assert "mark" in subject_names()

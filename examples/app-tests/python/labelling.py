"""A small labelling app using boto3: publish a task as a HIT, collect the submissions, approve
them and pay each Worker a bonus. It knows nothing of the emulator: the tests point it at one."""

QUESTION = """<QuestionForm xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2017-11-06/QuestionForm.xsd">
  <Question>
    <QuestionIdentifier>label</QuestionIdentifier>
    <QuestionContent><Text>Is there a cat in the picture?</Text></QuestionContent>
    <AnswerSpecification><FreeTextAnswer/></AnswerSpecification>
  </Question>
</QuestionForm>"""


def publish_task(mturk, title, reward="0.10", workers=2):
    """Publishes the task; returns the HIT's id."""
    out = mturk.create_hit(
        Title=title,
        Description="Label one picture",
        Reward=reward,
        MaxAssignments=workers,
        LifetimeInSeconds=3600,
        AssignmentDurationInSeconds=600,
        AutoApprovalDelayInSeconds=86400,
        Question=QUESTION,
    )
    return out["HIT"]["HITId"]


def submitted_assignments(mturk, hit_id):
    """The HIT's submitted assignments, every page."""
    found, token = [], None
    while True:
        kwargs = {"HITId": hit_id, "AssignmentStatuses": ["Submitted"], "MaxResults": 10}
        if token:
            kwargs["NextToken"] = token
        page = mturk.list_assignments_for_hit(**kwargs)
        found.extend(page.get("Assignments", []))
        token = page.get("NextToken")
        if not token:
            return found


def approve_and_reward(mturk, assignments, bonus):
    """Approves each submission and pays its Worker a bonus; returns the Workers paid."""
    paid = []
    for a in assignments:
        mturk.approve_assignment(AssignmentId=a["AssignmentId"], RequesterFeedback="Thanks!")
        mturk.send_bonus(
            WorkerId=a["WorkerId"],
            AssignmentId=a["AssignmentId"],
            BonusAmount=bonus,
            Reason="Careful labelling",
            UniqueRequestToken="bonus-" + a["AssignmentId"],
        )
        paid.append(a["WorkerId"])
    return paid

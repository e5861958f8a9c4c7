"""A year of engagement at the demo site, logged through the services as its people would:
community meetings with their perception findings (each of the last four quarters has
findings on at least two communities), police liaison, government and embassy briefings,
a restricted meeting with a human rights defender, commitments (some overdue), concerns,
an allegation under investigation, and attachments (the minutes of the first village
meeting as a PDF, a photo of the women's focus group's flip chart), stored through the
service in the attachments storage like any upload. Called by `seed_demo` through
`EngagementConfig`.

Fictional people and organisations; any likeness to real ones is accidental.
"""

import io
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from PIL import Image, ImageDraw

from engagement import services
from engagement.models import Engagement
from stakeholders.models import EngagementObjective, Function, Stakeholder

# (days ago, logged by, format, stakeholders, objectives as (category, position), lead
#  function code or None for the logger's, attendance (total, women), confidentiality or
#  None for the default, purpose, summary, security topics, outcomes,
#  commitments [(what, owner, due in days after the meeting, status, closing note)],
#  concerns [dict of concern fields, "stakeholder" by name])
ENGAGEMENTS = [
    (
        350,
        "clo",
        "community_meeting",
        ["Mwanzo village council"],
        [("local-communities", 0), ("local-communities", 1)],
        None,
        (64, 22),
        None,
        "Introduce the site's security arrangements for the year and hear the village.",
        "The council raised night patrols near the school path and dust from haul trucks.",
        "Guard patrol routes next to the school path.",
        "Patrol route to move away from the school path; a community contact for security.",
        [
            (
                "Move the night patrol route away from the school path",
                "security",
                30,
                "done",
                "Route moved on 2 February; confirmed with the village chairperson.",
            ),
        ],
        [
            {
                "type": "environment",
                "stakeholder": "Mwanzo village council",
                "description": "Dust from haul trucks on the village road.",
                "response": "Water bowser twice a day in the dry season.",
                "satisfaction": "partly",
                "severity": "medium",
                "status": "closed",
            },
        ],
    ),
    (
        325,
        "clo",
        "community_meeting",
        ["Ntatu artisanal miners' association"],
        [("local-communities", 0), ("local-communities", 3)],
        None,
        (29, 4),
        None,
        "Hear the association on access to the old tailings inside the lease.",
        "Members want to rework the old tailings; they see the lease as closing their living.",
        "Police raids at the diggings; guards at the lease boundary.",
        "The closed areas and the reasons to be explained in writing.",
        [
            (
                "Explain in writing which tailings areas are closed and why",
                "clo",
                30,
                "done",
                "Letter read out and left with the association's secretary.",
            ),
        ],
        [
            {
                "type": "land_access",
                "stakeholder": "Ntatu artisanal miners' association",
                "description": "No access to the old tailings inside the lease.",
                "response": "Closed for safety; the areas and reasons to be explained in writing.",
                "satisfaction": "not_satisfied",
                "severity": "medium",
                "status": "closed",
            },
        ],
    ),
    (
        320,
        "security",
        "meeting",
        ["Songwe regional police command"],
        [("public-security-providers", 0), ("public-security-providers", 3)],
        None,
        (6, 1),
        None,
        "Brief the new regional commander on the site's commitment to the VPs.",
        "The commander agreed to a monthly liaison meeting; no interest yet in training.",
        "Deployments near the lease boundary; rules on the use of force.",
        "Monthly liaison meeting agreed.",
        [
            (
                "Send the VPs summary and the site's rules on the use of force",
                "security",
                14,
                "done",
                "Sent by letter and delivered in person on 20 December.",
            ),
        ],
        [],
    ),
    (
        290,
        "clo",
        "focus_group",
        ["Ilembo women's savings group"],
        [("local-communities", 0), ("local-communities", 3)],
        None,
        (18, 18),
        None,
        "Hear women's views apart from the village council.",
        "Women are afraid to walk to the market past the boundary fence after dark.",
        "Lighting and guard behaviour at the boundary fence.",
        "Lighting at the fence gate to be considered; a women's contact for grievances.",
        [
            ("Install lighting at the boundary gate", "admin", 60, "in_progress", ""),
        ],
        [
            {
                "type": "community_safety",
                "stakeholder": "Ilembo women's savings group",
                "description": "Fear of walking past the boundary fence after dark.",
                "response": "Lighting to be installed; guards briefed.",
                "satisfaction": "partly",
                "severity": "high",
                "status": "open",
            },
        ],
    ),
    (
        240,
        "clo",
        "community_meeting",
        ["Ntatu artisanal miners' association"],
        [("local-communities", 1), ("local-communities", 2)],
        None,
        (41, 6),
        None,
        "Talk through the incidents at the lease boundary.",
        "Members described guards confiscating tools and a beating at the boundary.",
        "Conduct of private security at the boundary; police involvement.",
        "The allegation was referred to the national human rights commission.",
        [
            (
                "Review boundary guard conduct with the security contractor",
                "security",
                21,
                "done",
                "Contractor retrained two shifts; one guard dismissed.",
            ),
            ("Report back to the association on the investigation", "clo", 90, "open", ""),
        ],
        [
            {
                "type": "allegation_private_security",
                "stakeholder": None,
                "description": "A miner says he was beaten by two guards at the boundary in May.",
                "response": "Referred for independent investigation; guards stood down.",
                "satisfaction": "not_satisfied",
                "severity": "critical",
                "status": "under_investigation",
                "referred_to": "National human rights commission, southern zone office",
                "referred_days": 3,
            },
            {
                "type": "security_conduct",
                "stakeholder": "Ntatu artisanal miners' association",
                "description": "Guards confiscate tools found near the fence.",
                "response": "Tools are to be logged and returned through the CLO.",
                "satisfaction": "partly",
                "severity": "medium",
                "status": "closed",
            },
        ],
    ),
    (
        235,
        "security",
        "meeting",
        ["National human rights commission, southern zone office"],
        [("host-country-government", 0), ("host-country-government", 1)],
        None,
        (4, 2),
        None,
        "Refer the boundary allegation and agree how the commission will be kept informed.",
        "The commission accepted the referral and asked for the guard roster.",
        "Independent investigation of an allegation against private security.",
        "Referral accepted.",
        [
            (
                "Share the guard roster for May with the commission",
                "security",
                7,
                "done",
                "Roster shared under a confidentiality letter.",
            ),
        ],
        [],
    ),
    (
        215,
        "clo",
        "community_meeting",
        ["Mwanzo village council"],
        [("local-communities", 0), ("local-communities", 1)],
        None,
        (71, 30),
        None,
        "Hear the village on its water supply and on the incidents at the lease boundary.",
        "Shallow wells by the haul road are drying up and the village asks for a borehole. "
        "Word of the beating at the Ntatu boundary has reached the village.",
        "What happened at the Ntatu boundary; who the guards answer to.",
        "A borehole at the primary school agreed with the district water office.",
        [
            (
                "Drill and commission a borehole at Mwanzo primary school",
                "admin",
                100,
                "done",
                "Borehole commissioned and handed to the village water committee.",
            ),
        ],
        [
            {
                "type": "environment",
                "stakeholder": "Mwanzo village council",
                "description": "Shallow wells near the haul road are drying up.",
                "response": "A borehole at the primary school, with the district water office.",
                "satisfaction": "satisfied",
                "severity": "high",
                "status": "closed",
            },
        ],
    ),
    (
        200,
        "clo",
        "meeting",
        ["Baraka Mwaipopo"],
        [("ngos-human-rights-defenders", 0)],
        None,
        (2, 0),
        None,
        "Hear the monitor's account of the boundary incidents, off site.",
        "He confirmed two further incidents and fears reprisals for speaking to the company.",
        "Reprisals against those who report incidents.",
        "Meeting place and contact route kept confidential.",
        [
            (
                "Agree a safe contact route for the monitor",
                "clo",
                14,
                "done",
                "Contact only through the CLO's phone; never named in shared minutes.",
            ),
        ],
        [],
    ),
    (
        180,
        "clo",
        "community_meeting",
        ["Ntatu artisanal miners' association"],
        [("local-communities", 1), ("local-communities", 3)],
        None,
        (33, 5),
        None,
        "Report back on the review of guard conduct at the boundary.",
        "Two shifts were retrained and one guard dismissed; tools are now logged and returned. "
        "The commission has interviewed witnesses.",
        "Guard conduct at the boundary; police fines at the ridge.",
        "Quarterly report-back meetings agreed.",
        [],
        [],
    ),
    (
        170,
        "security",
        "workshop",
        ["Southern highlands mining security forum", "Mbozi Copper Ltd, security department"],
        [("industry-peers", 0), ("industry-peers", 1)],
        None,
        (14, 3),
        None,
        "Share vetting of private security contractors.",
        "Peers shared their contractor vetting checklist; joint training proposed.",
        "Vetting of private security companies.",
        "Checklist adopted for the next contract renewal.",
        [
            (
                "Use the forum's vetting checklist at the contract renewal",
                "security",
                120,
                "open",
                "",
            ),
        ],
        [],
    ),
    (
        150,
        "admin",
        "meeting",
        ["Ilembo district commissioner's office"],
        [("host-country-government", 1)],
        "government-affairs",
        (5, 1),
        None,
        "Brief the district on the boundary incidents and the referral.",
        "The district asked to be copied on the commission's findings.",
        "",
        "District to be copied on findings.",
        [],
        [],
    ),
    (
        140,
        "clo",
        "focus_group",
        ["Ilembo women's savings group"],
        [("local-communities", 1), ("local-communities", 3)],
        None,
        (21, 21),
        None,
        "Follow up on guard behaviour and the lighting at the boundary gate.",
        "Guards were briefed and greet women on the market path. The lighting poles are "
        "delivered but not yet installed.",
        "Guard behaviour on the market path.",
        "Lighting to be installed by the contractor; a progress call in a month.",
        [],
        [],
    ),
    (
        120,
        "admin",
        "meeting",
        ["Home-country embassy, political section"],
        [("home-country-embassy", 0), ("home-country-embassy", 2)],
        "management",
        (3, 1),
        None,
        "Annual VPs briefing with the embassy.",
        "The embassy offered to convene the police, the district and the company.",
        "Public security deployments; the multi-stakeholder meeting.",
        "A multi-stakeholder meeting to be convened.",
        [
            (
                "Send the embassy a list of invitees for the multi-stakeholder meeting",
                "admin",
                30,
                "open",
                "",
            ),
        ],
        [],
    ),
    (
        95,
        "clo",
        "community_meeting",
        ["Mwanzo village council"],
        [("local-communities", 0), ("local-communities", 2)],
        None,
        (102, 47),
        None,
        "Hand over the borehole at the primary school.",
        "The borehole was handed to the village water committee; the council thanked the site "
        "for keeping its word.",
        "The new community policing officer's visits.",
        "The water committee trained to maintain the pump.",
        [],
        [],
    ),
    (
        60,
        "clo",
        "community_meeting",
        ["Kasanga pastoralist community"],
        [("local-communities", 0), ("local-communities", 2)],
        None,
        (37, 15),
        None,
        "Discuss grazing access south-west of the tailings facility.",
        "Herders ask for a safe crossing to the river; police once fined herders at the fence.",
        "Police fines at the fence line.",
        "Crossing to be surveyed with the elders.",
        [
            ("Survey a cattle crossing with the elders", "clo", 21, "open", ""),
        ],
        [
            {
                "type": "land_access",
                "stakeholder": "Kasanga pastoralist community",
                "description": "No safe crossing to the river for cattle.",
                "response": "Survey with the elders agreed.",
                "satisfaction": "partly",
                "severity": "medium",
                "status": "open",
            },
        ],
    ),
    (
        40,
        "clo",
        "community_meeting",
        ["Ntatu artisanal miners' association"],
        [("local-communities", 1), ("local-communities", 2)],
        None,
        (38, 7),
        None,
        "Report back on the investigation of the boundary allegation.",
        "The commission's findings are still pending. Ten members were hired for the road "
        "works; access to the tailings is still refused.",
        "Police fines at the ridge; the investigation.",
        "The association will be told as soon as the commission reports.",
        [],
        [],
    ),
    (
        30,
        "security",
        "site_visit",
        ["Ilembo police post"],
        [("public-security-providers", 2), ("public-security-providers", 4)],
        None,
        (5, 1),
        None,
        "Walk the boundary with the post's officers.",
        "Agreed when the post responds to calls from the site and who leads on the ground.",
        "Response to incidents at the boundary; equipment requests.",
        "A written call-out protocol to be drafted.",
        [
            ("Draft a call-out protocol with the police post", "security", 14, "open", ""),
        ],
        [],
    ),
    (
        10,
        "clo",
        "community_meeting",
        ["Mwanzo village council", "Ilembo women's savings group"],
        [("local-communities", 0), ("local-communities", 1), ("local-communities", 3)],
        None,
        (88, 41),
        None,
        "Report back on the year's commitments.",
        "The village welcomed the moved patrols; the gate lighting is still not installed.",
        "Gate lighting; the boundary investigation.",
        "Lighting to be finished before the rains.",
        [],
        [],
    ),
]


# The community perception findings recorded at the demo's community meetings, by the
# engagement's "days ago": {community: {indicator: (value 1-5 or None, evidence)}}. The
# story: Mwanzo's satisfaction rises once the borehole promised is handed over; attitudes
# to site security dip around the beating at the Ntatu boundary and recover slowly as
# guards are retrained; confidence in the police and the courts stays low throughout.
S, A, P, J = (
    "satisfaction",
    "security_attitude",
    "public_security_relationship",
    "justice_confidence",
)
FINDINGS = {
    350: {
        "Mwanzo village council": {
            S: (
                2,
                "Dust from the haul trucks and patrols by the school path dominated; the "
                "chairperson said the village sees little benefit from the mine.",
            ),
            A: (
                3,
                "Guards are polite at the gate, but night patrols on the school path "
                "frighten parents.",
            ),
            P: (
                3,
                "The council sees the police only when there is trouble; no complaint "
                "about them was raised.",
            ),
            J: (2, "Elders said cases reported at the police post are rarely followed up."),
        },
    },
    325: {
        "Ntatu artisanal miners' association": {
            S: (2, "Members see the lease as closing their living on the old tailings."),
            A: (3, "Guards “mostly leave us alone” at the boundary; no incident was raised."),
            P: (2, "Police raid the diggings now and then and take gold without receipts."),
            J: (1, "Nobody present had seen a complaint against the police succeed."),
        },
    },
    290: {
        "Ilembo women's savings group": {
            S: (3, "Glad to be heard apart from the council; site jobs go to men from outside."),
            A: (2, "Women are afraid of passing the guards at the boundary fence after dark."),
            J: (2, "Women said they would not report harassment to the police post."),
        },
    },
    240: {
        "Ntatu artisanal miners' association": {
            S: (1, "Members left the meeting for a time in protest at the boundary incidents."),
            A: (
                1,
                "Members described guards confiscating tools and a beating at the "
                "boundary; several now avoid the fence.",
            ),
            P: (2, "The police came after the incident and took the guards' statements first."),
            J: (
                1,
                "They doubt anyone will act against the site's guards; they accepted the "
                "referral to the commission after a long discussion.",
            ),
        },
    },
    215: {
        "Mwanzo village council": {
            S: (
                2,
                "Wells by the haul road are drying up; the village links it to the "
                "mine's water use.",
            ),
            A: (
                2,
                "Word of the beating at the Ntatu boundary has spread; parents ask "
                "again who the guards answer to.",
            ),
            P: (3, "No change: the police are rarely seen in the village."),
            J: (2, "Elders asked why nobody has been charged over the Ntatu beating."),
        },
    },
    180: {
        "Ntatu artisanal miners' association": {
            S: (2, "Still no access to the tailings."),
            A: (
                2,
                "Fewer confrontations since the retraining; tools are now logged and returned.",
            ),
            P: (2, "A police patrol fined diggers at the ridge last month."),
            J: (1, "The investigation is slow; members doubt anyone will be held to account."),
        },
    },
    140: {
        "Ilembo women's savings group": {
            S: (3, "Pleased with the women's grievance contact; the lighting is still awaited."),
            A: (3, "Guards now greet women on the market path and no longer stop them."),
            J: (2, "Still would not take a harassment complaint to the police post."),
        },
    },
    95: {
        "Mwanzo village council": {
            S: (4, "Borehole handed over; the chairperson said the site kept its word."),
            A: (4, "No complaint about patrols since the route moved."),
            P: (3, "The new community policing officer visited the village once."),
            J: (2, "Elders still ask about the outcome of the Ntatu investigation."),
        },
    },
    60: {
        "Kasanga pastoralist community": {
            S: (
                2,
                "No safe crossing to the river; herders say the tailings facility cut "
                "their route.",
            ),
            A: (3, "Herders have had no trouble with the site's guards."),
            P: (2, "Police once fined herders at the fence; they fear it will happen again."),
            J: (2, "Elders settle disputes themselves and expect little from the courts."),
        },
    },
    40: {
        "Ntatu artisanal miners' association": {
            S: (3, "Ten members were hired for the road works; the tailings stay closed."),
            A: (2, "Fewer incidents, but members still avoid the fence at night."),
            P: (2, "Police fines at the ridge continue."),
            J: (1, "No outcome from the commission after eight months."),
        },
    },
    10: {
        "Mwanzo village council": {
            S: (4, "The village welcomed the moved patrols and the borehole."),
            A: (4, "No complaint about the guards; the school path is quiet at night."),
            P: (3, "The community policing officer now visits monthly."),
            J: (2, "The Ntatu case is still talked about: “nothing happens to the strong”."),
        },
        "Ilembo women's savings group": {
            S: (3, "Lighting at the gate still not installed; women asked for a date."),
            A: (3, "Guards' behaviour on the market path has kept improving."),
            P: (None, "The group preferred not to talk about the police in a mixed meeting."),
        },
    },
}


def seed(site, *, store_files=True):
    """Log the demo year at `site` (once: nothing is added if it has engagements). Without
    `store_files` (a dry run, rolled back afterwards) no attachment is stored: a file
    written to disk would outlive the rollback of its row."""
    if Engagement.objects.filter(site=site).exists():
        return 0
    users = {user.username: user for user in get_user_model().objects.all()}
    functions = {function.code: function for function in Function.objects.all()}
    today = site.today()
    for (
        days_ago,
        by,
        format,
        names,
        objectives,
        function,
        (total, women),
        confidentiality,
        purpose,
        summary,
        topics,
        outcomes,
        commitments,
        concerns,
    ) in ENGAGEMENTS:
        date = today - timedelta(days=days_ago)
        stakeholders = list(Stakeholder.objects.filter(name__in=names, sites=site))
        data = {
            "date": date,
            "format": format,
            "attendance_total": total,
            "attendance_women": women,
            "purpose": purpose,
            "summary": summary,
            "security_topics": topics,
            "outcomes": outcomes,
        }
        if function:
            data["lead_function"] = functions[function]
        if confidentiality:
            data["confidentiality"] = confidentiality
        engagement = services.engagement_create(
            actor=users[by],
            site=site,
            data=data,
            stakeholders=stakeholders,
            objectives=[
                EngagementObjective.objects.filter(category__code=code)[position]
                for code, position in objectives
            ],
            participants=[users[by]],
            commitments=[
                {
                    "description": what,
                    "owner": users[owner],
                    "due_on": date + timedelta(days=due_in),
                    "status": status,
                    "closing_note": note,
                    "closed_on": date + timedelta(days=due_in) if note else None,
                }
                for what, owner, due_in, status, note in commitments
            ],
            concerns=[_concern(concern, date, stakeholders) for concern in concerns],
            findings=_findings(FINDINGS.get(days_ago, {}), stakeholders),
        )
        for kind, name, description, make in ATTACHMENTS.get(days_ago, ()) if store_files else ():
            services.attachment_create(
                actor=users[by],
                engagement=engagement,
                upload=ContentFile(make(date), name=name),
                kind=kind,
                description=description,
            )
    return len(ENGAGEMENTS)


def _findings(by_community, stakeholders):
    named = {stakeholder.name: stakeholder for stakeholder in stakeholders}
    return [
        {"community": named[name], "indicator": indicator, "value": value, "evidence": evidence}
        for name, indicators in by_community.items()
        for indicator, (value, evidence) in indicators.items()
    ]


def _concern(fields, date, stakeholders):
    fields = dict(fields)
    name = fields.pop("stakeholder", None)
    fields["stakeholder"] = next((s for s in stakeholders if s.name == name), None)
    referred_days = fields.pop("referred_days", None)
    if referred_days is not None:
        fields["referred_on"] = date + timedelta(days=referred_days)
    return fields


def minutes_pdf(date):
    """The minutes of the first village meeting: a one-page PDF written out by hand."""
    lines = [
        "Mwanzo village council - community meeting",
        f"Minutes, {date:%d %B %Y}",
        "",
        "Present: 64 (22 women); the village chairperson; the site's CLO.",
        "1. The site's security arrangements for the year were introduced.",
        "2. Night patrols near the school path: the council asked for another route.",
        "   Agreed: the patrol route moves away from the school path within 30 days.",
        "3. Dust from haul trucks on the village road: a water bowser twice a day.",
        "4. A community contact for security questions is to be named.",
        "",
        "Fictional demo record.",
    ]
    return pdf_page(lines)


def pdf_page(lines):
    """A minimal valid one-page PDF (Helvetica, A4) showing `lines`."""

    def text(line):
        return line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    stream = "BT /F1 12 Tf 16 TL 60 780 Td\n"
    stream += "".join(f"({text(line)}) '\n" for line in lines) + "ET\n"
    content = stream.encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"endstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def flip_chart_png(date):
    """A photo of the focus group's flip chart, drawn: marker lines on white paper."""
    image = Image.new("RGB", (800, 600), (236, 232, 220))
    draw = ImageDraw.Draw(image)
    draw.rectangle([60, 30, 740, 580], fill=(252, 252, 248), outline=(190, 186, 175), width=3)
    draw.text((90, 60), "Ilembo women's savings group", fill=(20, 60, 160))
    draw.text((90, 85), f"Focus group, {date:%d %B %Y}", fill=(20, 60, 160))
    notes = [
        "- Afraid to walk past the boundary fence after dark",
        "- Lighting at the fence gate",
        "- Guards: greet, do not stop us on the market path",
        "- A woman to contact for grievances",
    ]
    for row, note in enumerate(notes):
        draw.text((110, 150 + row * 60), note, fill=(30, 30, 30))
        draw.line([105, 172 + row * 60, 620, 172 + row * 60], fill=(200, 40, 40), width=2)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


# Attachments of the demo year, by the engagement's "days ago":
# [(kind, file name as uploaded, description, maker(date) -> bytes)].
ATTACHMENTS = {
    350: [
        (
            "minutes",
            "Minutes Mwanzo village meeting.pdf",
            "Signed minutes, as read back to the council",
            minutes_pdf,
        ),
    ],
    290: [
        ("photo", "IMG_2041.png", "The group's flip chart", flip_chart_png),
    ],
}

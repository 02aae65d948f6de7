# ruff: noqa: E501 (translated sentences are data, kept one per line)
"""Composed letters built by hand, in the six languages, for the render tests.

The text is the opening of the WSIS+20 invitation (the seed letter), translated; the values
are what `compose` produces, so render can be tested without templates or catalogs.
"""

from __future__ import annotations

from dataclasses import replace

from missive.model import (
    Block,
    BulletList,
    ComposedLetter,
    ComposedSignatory,
    CoverNote,
    Gender,
    Group,
    HeaderField,
    Language,
    Paragraph,
    Recipient,
    Run,
)

FORUM = "http://www.wsis.org/forum"


def _labels(language: Language) -> dict[str, str]:
    return {
        Language.AR: {
            "ref": "المرجع:", "contact": "جهة الاتصال:", "tel": "الهاتف:",
            "mail": "البريد الإلكتروني:", "to": "إلى جميع أصحاب المصلحة في القمة العالمية لمجتمع المعلومات:",
            "signed": "[توقيع على الأصل]", "page": "الصفحة {page}", "closing": "وتفضلوا بقبول فائق الاحترام والتقدير.",
        },
        Language.ZH: {
            "ref": "文号：", "contact": "联系人：", "tel": "电话：", "mail": "电子邮件：",
            "to": "致信息社会世界峰会所有利益攸关方：", "signed": "[原件已签署]",
            "page": "第{page}页", "closing": "顺致敬意！",
        },
        Language.EN: {
            "ref": "Reference:", "contact": "Contact:", "tel": "Tel.:", "mail": "E-mail:",
            "to": "To all WSIS stakeholders:", "signed": "[Original signed]",
            "page": "Page {page}", "closing": "Yours faithfully,",
        },
        Language.FR: {
            "ref": "Référence:", "contact": "Contact:", "tel": "Tél.:", "mail": "Courriel:",
            "to": "À toutes les parties prenantes du SMSI:", "signed": "[Original signé]",
            "page": "Page {page}", "closing": "Veuillez agréer, Madame, Monsieur, l'assurance de notre haute considération.",
        },
        Language.RU: {
            "ref": "Ссылка:", "contact": "Контактное лицо:", "tel": "Тел.:", "mail": "Эл. почта:",
            "to": "Всем заинтересованным сторонам ВВУИО:", "signed": "[Подлинник подписан]",
            "page": "Стр. {page}", "closing": "С уважением,",
        },
        Language.ES: {
            "ref": "Referencia:", "contact": "Contacto:", "tel": "Tel.:", "mail": "Correo-e:",
            "to": "A todas las partes interesadas de la CMSI:", "signed": "[Original firmado]",
            "page": "Página {page}", "closing": "Atentamente,",
        },
    }[language]  # fmt: skip


# (organisation, date, reference, subject, salutation, first sentence, second paragraph,
#  link text, groups, place)
TEXTS: dict[Language, dict[str, str]] = {
    Language.AR: {
        "org": "الاتحاد الدولي للاتصالات",
        "date": "31 يناير 2024",
        "ref": "الحدث الرفيع المستوى لمنتدى القمة العالمية لمجتمع المعلومات+20 لعام 2024/0007",
        "subject": "دعوة إلى الحدث الرفيع المستوى لمنتدى القمة العالمية لمجتمع المعلومات+20\n27-31 مايو 2024، جنيف، سويسرا",
        "salutation": "السيد المحترم،",
        "p1": "يسرنا أن ندعوكم إلى الحدث الرفيع المستوى لمنتدى القمة العالمية لمجتمع المعلومات+20 الذي سيُعقد في الفترة من 27 إلى 31 مايو 2024 في جنيف، سويسرا.",
        "p2": "وستحدَّد جدول الأعمال وبرنامج الحدث من خلال عملية تشاور مفتوحة يشارك فيها جميع أصحاب المصلحة. ويمكن الاطلاع على الوثائق وجدول الأعمال وعملية التسجيل في العنوان التالي: ",
        "p3": "وننصح المشاركين بحجز أماكن إقامتهم في أقرب وقت ممكن.",
        "groups": "الحكومات|القطاع الخاص|المجتمع المدني",
        "name": "حسن السيد",
        "marker_name": "السيدة دورين بوغدان-مارتن|الأمينة العامة|الاتحاد الدولي للاتصالات",
    },
    Language.ZH: {
        "org": "国际电信联盟",
        "date": "2024年1月31日",
        "ref": "2024年信息社会世界峰会+20论坛高级别活动/0007",
        "subject": "邀请参加信息社会世界峰会（WSIS）+20论坛高级别活动\n2024年5月27-31日，日内瓦（瑞士）",
        "salutation": "尊敬的先生：",
        "p1": "我们很高兴邀请您参加将于2024年5月27日至31日在日内瓦（瑞士）举行的信息社会世界峰会（WSIS）+20论坛高级别活动。该活动由国际电信联盟（ITU）和瑞士联邦共同主办，并与联合国教科文组织（UNESCO）、联合国开发计划署（UNDP）和联合国贸易和发展会议（UNCTAD）合作举办。",
        "p2": "与每年的信息社会世界峰会论坛一样，活动的议程和计划将通过所有利益攸关方参与的公开磋商进程确定。文件、议程和注册流程可在以下网址查阅：",
        "p3": "建议与会者尽早预订住宿。本次活动允许远程参与。",
        "groups": "各国政府|私营部门|民间社会",
        "name": "王小明",
        "marker_name": "Doreen Bogdan-Martin女士|秘书长|国际电信联盟",
    },
    Language.EN: {
        "org": "International Telecommunication Union",
        "date": "31 January 2024",
        "ref": "WSIS+20 Forum High-Level Event 2024/0007",
        "subject": "Invitation to the World Summit on the Information Society (WSIS)+20 Forum High-Level Event\n27–31 May 2024, Geneva, Switzerland",
        "salutation": "Dear Sir,",
        "p1": "We have the pleasure of inviting you to the WSIS+20 Forum High-Level Event, which will take place from 27 to 31 May 2024 in Geneva, Switzerland.",
        "p2": "As is customary for the annual WSIS Forum, the agenda and programme of the event will be defined through an open consultation process involving all WSIS stakeholders. Documentation, the agenda and the registration process are available at: ",
        "p3": "Participants are advised to book accommodation as early as possible. Remote participation will be possible.",
        "groups": "Governments|Private sector|Civil society",
        "name": "John Smith",
        "marker_name": "Ms Doreen Bogdan-Martin|Secretary-General|ITU",
    },
    Language.FR: {
        "org": "Union internationale des télécommunications",
        "date": "31 janvier 2024",
        "ref": "Manifestation de haut niveau du Forum du SMSI+20 – 2024/0007",
        "subject": "Invitation à la Manifestation de haut niveau du Forum du Sommet mondial sur la société de l'information (SMSI)+20\n27-31 mai 2024, Genève (Suisse)",
        "salutation": "Monsieur,",
        "p1": "Nous avons le plaisir de vous inviter à la Manifestation de haut niveau du Forum du SMSI+20, qui se tiendra du 27 au 31 mai 2024 à Genève (Suisse).",
        "p2": "Comme c'est l'usage pour le Forum annuel du SMSI, l'ordre du jour et le programme seront définis dans le cadre d'un processus de consultation ouvert à toutes les parties prenantes. La documentation, l'ordre du jour et la procédure d'inscription sont disponibles à l'adresse: ",
        "p3": "Les participants sont invités à réserver leur hébergement dès que possible. La participation à distance sera possible.",
        "groups": "Gouvernements|Secteur privé|Société civile",
        "name": "Jean-Pierre Lefèvre",
        "marker_name": "Mme Doreen Bogdan-Martin|Secrétaire générale|UIT",
    },
    Language.RU: {
        "org": "Международный союз электросвязи",
        "date": "31 января 2024 г.",
        "ref": "Мероприятие высокого уровня Форума ВВУИО+20 2024 года/0007",
        "subject": "Приглашение на Мероприятие высокого уровня Форума Всемирной встречи на высшем уровне по вопросам информационного общества (ВВУИО)+20\n27–31 мая 2024 года, Женева, Швейцария",
        "salutation": "Уважаемый господин,",
        "p1": "Имеем честь пригласить вас на Мероприятие высокого уровня Форума ВВУИО+20, которое пройдет с 27 по 31 мая 2024 года в Женеве, Швейцария.",
        "p2": "Как и в случае ежегодного Форума ВВУИО, повестка дня и программа мероприятия будут определены в ходе открытого процесса консультаций с участием всех заинтересованных сторон. С документацией, повесткой дня и порядком регистрации можно ознакомиться по адресу: ",
        "p3": "Участникам рекомендуется как можно раньше забронировать гостиницу. Будет обеспечено дистанционное участие.",
        "groups": "Правительства|Частный сектор|Гражданское общество",
        "name": "Иван Петрович Сидоров",
        "marker_name": "Г-жа Дорин Богдан-Мартин|Генеральный секретарь|МСЭ",
    },
    Language.ES: {
        "org": "Unión Internacional de Telecomunicaciones",
        "date": "31 de enero de 2024",
        "ref": "Evento de Alto Nivel del Foro de la CMSI+20-2024/0007",
        "subject": "Invitación al Evento de Alto Nivel del Foro de la Cumbre Mundial sobre la Sociedad de la Información (CMSI)+20\n27-31 de mayo de 2024, Ginebra (Suiza)",
        "salutation": "Muy Señor mío:",
        "p1": "Tenemos el placer de invitarle al Evento de Alto Nivel del Foro de la CMSI+20 que tendrá lugar del 27 al 31 de mayo de 2024 en Ginebra (Suiza).",
        "p2": "Como es habitual en el Foro anual de la CMSI, el orden del día y el programa del evento se definirán mediante un proceso de consultas abiertas en el que participan todas las partes interesadas. Puede consultarse la documentación, el orden del día y el proceso de inscripción en la dirección: ",
        "p3": "Se aconseja a los participantes que reserven alojamiento lo antes posible. En este evento se permitirá la participación a distancia.",
        "groups": "Gobiernos|Sector privado|Sociedad civil",
        "name": "María José García",
        "marker_name": "Sra. Doreen Bogdan-Martin|Secretaria General|UIT",
    },
}
LANG_TAGS = {Language.AR: "ar", Language.ZH: "zh-Hans", Language.EN: "en-GB"}


def recipient(language: Language, name: str | None = None, rid: str | None = None) -> Recipient:
    return Recipient(
        id=rid or f"{language.value}-gov-01",
        email=f"{language.value}@example.org",
        language=language,
        group=Group.GOVERNMENTS,
        name=name or TEXTS[language]["name"],
        gender=Gender.MALE,
        position="Minister",
        organization="Ministry",
        country="CH",
    )


def signatories(language: Language, count: int = 5) -> tuple[ComposedSignatory, ...]:
    name, title, org = TEXTS[language]["marker_name"].split("|")
    marker = _labels(language)["signed"]
    return tuple(
        ComposedSignatory(marker, f"{name} {index + 1}" if index else name, (title,), org)
        for index in range(count)
    )


def composed(
    language: Language,
    *,
    name: str | None = None,
    signatory_count: int = 5,
    paragraphs: int = 1,
) -> ComposedLetter:
    """A realistic composed letter; `paragraphs` repeats the body to make it longer."""
    text, labels = TEXTS[language], _labels(language)
    who = recipient(language, name)
    body: list[Block] = [
        Paragraph((Run(text["p1"]),)),
        Paragraph((Run(text["p2"]), Run("www.wsis.org/forum", href=FORUM), Run("."))),
        BulletList(((Run(text["p3"], bold=True),), (Run(text["p3"], italic=True),))),
    ]
    return ComposedLetter(
        recipient=who,
        language=language,
        locale=language.value,
        lang_tag=LANG_TAGS.get(language, language.value),
        organization=text["org"],
        date_text=text["date"],
        reference=text["ref"],
        header_fields=(
            HeaderField(labels["ref"], text["ref"]),
            HeaderField(labels["contact"], "Gitanjali Sah"),
            HeaderField(labels["tel"], "+41 22 730 6240"),
            HeaderField(labels["mail"], "wsis-info@itu.int", href="mailto:wsis-info@itu.int"),
        ),
        addressee=(who.name, who.position, who.organization),
        distribution_heading=labels["to"],
        distribution=tuple(text["groups"].split("|")),
        subject=text["subject"],
        salutation=text["salutation"],
        body=tuple(body * paragraphs),
        closing=labels["closing"],
        signatories=signatories(language, signatory_count),
        page_label=labels["page"],
        cover=CoverNote(subject=text["subject"], text="", html="", attachment_name="letter.pdf"),
    )


def with_name(letter: ComposedLetter, name: str) -> ComposedLetter:
    who = replace(letter.recipient, name=name)
    return replace(letter, recipient=who, addressee=(name, *letter.addressee[1:]))

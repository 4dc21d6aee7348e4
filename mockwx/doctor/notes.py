"""What a diagnosis observes besides the mistakes: the verdicts "no mistake reproduces the sign"
and "the search was cut short", and facts about the fields worth a look (protocol/v2.md 7).
"""

from __future__ import annotations

from .catalogue import Mistake

MISTAKES = (
    Mistake(
        "unknown",
        "note",
        0.0,
        "no common mistake reproduces the sign",
        "常见错误都算不出这个签名",
        "None of the common mistakes reproduces the {sign_field} received. Compare the string you signed, field by"
        " field, with the one mockwx expected (the expected string on the dashboard, the string to sign of the sign"
        " command, expected_string in JSON).",
        "按常见的错误方式都算不出收到的{sign_field}。请把你的待签名字符串和模拟器期望的待签名字符串"
        "（控制台上的“期望的待签名字符串”、sign命令输出的“待签名字符串”、JSON里的expected_string）逐个参数对比。",
        "Check the key (the merchant's 32-character API key), sign every non-empty field you send except the"
        " sign, sorted by name, as UTF-8, then append '&key=<API key>'.",
        "检查密钥（商户的32位API密钥）；除签名外，发送的每个非空参数都要参与签名，按参数名ASCII码从小到大排序，"
        "用UTF-8编码，最后拼接“&key=API密钥”。",
    ),
    Mistake(
        "whitespace_values",
        "note",
        0.0,
        "values with whitespace around them",
        "参数值首尾有空白",
        "These values have whitespace around them: {fields}.",
        "这些参数值首尾有空白：{fields}。",
    ),
    Mistake(
        "search_cut_short",
        "note",
        0.0,
        "the search stopped at its budget",
        "搜索达到了计算上限",
        "The search stopped after {tried} candidate signs (the budget of one diagnosis); rarer combinations were"
        " not tried.",
        "搜索在尝试了{tried}个候选签名后停止（单次诊断的计算上限），更少见的组合没有尝试。",
    ),
    Mistake(
        "pasted_fields",
        "note",
        0.0,
        "a pasted signed string read as fields",
        "粘贴的签名串已拆成参数",
        "Read {count} fields from the pasted string (name=value pairs joined by &).",
        "已把粘贴的字符串按“&”拆成{count}个参数（name=value）。",
    ),
    Mistake(
        "pasted_key",
        "note",
        0.0,
        "the pasted string's key= taken as the key",
        "key=被当作密钥",
        "The key=... in the pasted string was taken as the API key, not as a field.",
        "粘贴的字符串里的key=...被当作API密钥，而不是参数。",
    ),
    Mistake(
        "pasted_sign",
        "note",
        0.0,
        "the pasted string's sign= taken as the sign to check",
        "sign=被当作要检查的签名",
        "The {sign_field}=... in the pasted string was taken as the sign to check, not as a field.",
        "粘贴的字符串里的{sign_field}=...被当作要检查的签名，而不是参数。",
    ),
    Mistake(
        "demo_key",
        "note",
        0.0,
        "signed with the demo merchant's key",
        "使用了演示商户的密钥",
        'No key was given: this is the demo merchant\'s API key (give --key, or "key", for yours).',
        '没有指定密钥，这里用的是演示商户的API密钥（用 --key 或 "key" 指定你自己的）。',
    ),
    Mistake(
        "tenant_key",
        "note",
        0.0,
        "signed with the key of a merchant the mock knows",
        "使用了模拟器中该商户的密钥",
        "No key was given: this is the API key of merchant {owner} as the mock knows it (masked here).",
        "没有指定密钥，这里用的是模拟器中商户{owner}的API密钥（已打码）。",
    ),
    Mistake(
        "pasted_string_differs",
        "note",
        0.0,
        "the pasted string is not the one WeChat signs",
        "粘贴的字符串不是微信要签名的字符串",
        "The string you pasted is not the one WeChat signs: hashed as it is, it gives {sign}; the diagnosis below"
        " says why.",
        "你粘贴的字符串不是微信要签名的字符串：直接计算得到的签名是{sign}，下面的诊断说明了原因。",
    ),
)

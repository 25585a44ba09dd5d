"""The URL heuristics' reason codes with their default severity, weight and zh/en messages.

Kept apart from the rules (``url.py``) so that module stays readable; ``docs/heuristics.md``
documents each code. Imported by ``url.py`` for its side effect of defining the codes.
"""

from __future__ import annotations

from ..models import Severity
from ..reasons import define

H, M, L, INFO = Severity.HIGH, Severity.MEDIUM, Severity.LOW, Severity.INFO

define(
    "url.ip_host",
    M,
    45,
    "The link uses a bare IP address ({evidence}) instead of a name.",
    "链接使用裸IP地址（{evidence}）而不是域名。",
)
define(
    "url.private_ip",
    L,
    10,
    "The link points to a local or private network address ({evidence}).",
    "链接指向本地或内网地址（{evidence}）。",
)
define(
    "url.punycode",
    L,
    15,
    "The address uses international characters ({evidence}): check it is the site you expect.",
    "网址含有国际化字符（{evidence}）：请确认是你要访问的网站。",
)
define(
    "url.mixed_script",
    H,
    65,
    "The address mixes alphabets to look like another name ({evidence}).",
    "网址混用不同文字来冒充其他名称（{evidence}）。",
)
define(
    "url.hidden_characters",
    M,
    45,
    "The link holds invisible or text-reversing characters ({evidence}): it can read differently "
    "from what it opens (a file named 'gnp.exe' shows as 'exe.png').",
    "链接含有不可见或反转文字方向的字符（{evidence}）：看到的和实际打开的可能不同"
    "（如“exe.png”实为“gnp.exe”）。",
)
define(
    "url.userinfo",
    H,
    55,
    "The link hides its real destination behind an '@' ({evidence}).",
    "链接用“@”隐藏真实目的地（{evidence}）。",
)
define(
    "url.suspicious_tld",
    L,
    20,
    "The address ends in {evidence}, a cheap domain ending often used by throwaway scam sites.",
    "网址后缀为{evidence}，这类廉价后缀常被一次性诈骗网站使用。",
)
define(
    "url.free_hosting",
    M,
    30,
    "The page is a tenant of {platform} ({evidence}): anyone can create such an address in minutes.",
    "该页面托管在{platform}上（{evidence}）：任何人几分钟就能建立这样的网址。",
)
define(
    "url.brand_in_domain",
    H,
    55,
    "The address names {brand} but is not a {brand} website ({evidence}).",
    "网址含有“{brand}”字样，但并非{brand}官方网站（{evidence}）。",
)
define(
    "url.deceptive_subdomain",
    H,
    50,
    "The address starts like another website's name ({evidence}) to hide the real domain.",
    "网址开头伪装成另一个网站（{evidence}），以隐藏真实域名。",
)
define(
    "url.lure_keyword",
    L,
    15,
    "The address contains words scam sites use ({evidence}).",
    "网址含有诈骗网站常用的词（{evidence}）。",
)
define(
    "url.random_label",
    L,
    20,
    "The address looks randomly generated ({evidence}).",
    "网址看起来是随机生成的（{evidence}）。",
)
define(
    "url.long_host",
    L,
    10,
    "The host name is unusually long ({evidence} characters).",
    "主机名异常地长（{evidence}个字符）。",
)
define(
    "url.many_hyphens",
    L,
    15,
    "The address strings many words together with hyphens ({evidence}).",
    "网址用多个连字符拼接词语（{evidence}）。",
)
define(
    "url.digit_heavy",
    L,
    10,
    "The address mixes many digits into its name ({evidence}).",
    "网址名称中夹杂大量数字（{evidence}）。",
)
define(
    "url.nonstandard_port",
    L,
    30,
    "The link uses an unusual port ({evidence}).",
    "链接使用了不常见的端口（{evidence}）。",
)
define(
    "url.credential_path",
    M,
    30,
    "The link's path asks to log in, verify or claim ({evidence}).",
    "链接路径含有登录、验证或领取等字样（{evidence}）。",
)
define(
    "url.pii_in_query",
    M,
    40,
    "The link carries personal data in its parameters ({evidence}).",
    "链接参数中带有个人信息（{evidence}）。",
)
define(
    "url.brand_in_path",
    M,
    30,
    "The link's path names {brand} on a site that is not {brand}'s ({evidence}).",
    "链接路径冒用“{brand}”名称，但网站并非{brand}所有（{evidence}）。",
)
define(
    "url.lookalike_domain",
    H,
    50,
    "The address is one letter away from {brand} ({evidence}): a look-alike name.",
    "网址与“{brand}”只差一个字母（{evidence}）：这是仿冒域名。",
)
define(
    "url.hacked_site_path",
    M,
    40,
    "The link points into a website's program folders ({evidence}), where phishing kits are planted.",
    "链接指向网站程序目录（{evidence}），钓鱼工具常被植入此处。",
)
define(
    "url.scheme_inferred",
    INFO,
    0,
    "The link had no http:// or https://; it was read as a web address.",
    "链接未写 http:// 或 https://，已按网址处理。",
)

"""Chinese texts of the checker core (feedback words, hints' frame, the shared checkers)."""

ZH: dict[str, str] = {
    "right": "正确",
    "not yet": "还不对",
    "[{exercise}] {mark}: {message}": "[{exercise}] {mark}：{message}",
    "Hint {level} of {of}:": "提示 {level}/{of}：",
    "(hint({exercise!r}, {next}) says more)": "（hint({exercise!r}, {next}) 给出更多提示）",
    "replace None with your answer.": "请把 None 换成你的答案。",
    "running your answer raised {kind}; run it in a cell of its own to see where and why.": (
        "运行你的答案时抛出了 {kind}；请在单独的单元格里运行它，看看出错的位置和原因。"
    ),
    "expected one number, got a tensor of shape {shape}.": "需要一个数，得到的却是形状为 {shape} 的张量。",
    "expected a number, got {kind} {value!r}.": "需要一个数，得到的却是 {kind} {value!r}。",
    "{value:.10g} is correct.": "{value:.10g} 是正确的。",
    "{value:.10g} is a common slip:": "{value:.10g} 是一个常见的错误：",
    "{value:.10g} is too large.": "{value:.10g} 太大了。",
    "{value:.10g} is too small.": "{value:.10g} 太小了。",
    "expected a word (a string), got {kind}.": "需要一个词（字符串），得到的却是 {kind}。",
    "{answer!r} is correct.": "{answer!r} 是正确的。",
    "{answer!r} is not it.": "{answer!r} 不对。",
}

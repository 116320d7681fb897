"""Issue 19, item 4: memory stays flat over index reloads; the bot is warmed up before it answers."""

from __future__ import annotations

import gc
import weakref
from dataclasses import replace

from bot import PolicyBot
from index import GLOSSARY_FILE, Glossary, load_index
from index.tokenize import Tokenizer
from tests.test_reliability import live, small_data  # noqa: F401  (fixtures)
from web.holder import BotHolder, warm_up
from web.server import load_bot
from web.updates import Updater

WAIT = 120


def test_an_index_reload_frees_the_old_index_and_its_tokenizer(live) -> None:  # noqa: F811
    settings, _ = live  # the fixture keeps its index alive: the app's first bot loads its own
    glossary = Glossary.load(settings.data_dir / GLOSSARY_FILE)
    holder = BotHolder(PolicyBot(settings, load_index(settings.index_dir), glossary))
    updater = Updater(holder, settings)
    holder.current.ask("外资研发中心有什么资金支持？")  # the tokenizer memoises this question
    olds = []
    for _ in range(3):
        olds.append((weakref.ref(holder.current), weakref.ref(holder.current.index.lexical.tokenizer)))
        assert updater.start_reload() and updater.wait(WAIT).state == "live"
        holder.current.ask("临床试验启动时间要压缩到多久？")
    gc.collect()
    # Every replaced bot and its tokenizer (with its memo of recent texts) are gone: nothing keeps them.
    assert [(bot() is None, tokenizer() is None) for bot, tokenizer in olds] == [(True, True)] * 3
    assert holder.current.ask("外资研发中心有什么资金支持？").citations  # the live bot still answers


def test_the_server_bot_is_warmed_up_before_it_answers(live) -> None:  # noqa: F811
    settings, _ = live
    bot = load_bot(replace(settings, embed_model="none"))
    tokenizer = bot.index.lexical.tokenizer
    assert tokenizer._initialised and tokenizer._tagger is not None  # jieba and its tagger loaded already
    fresh = PolicyBot(settings, load_index(settings.index_dir), Glossary.load(settings.data_dir / GLOSSARY_FILE))
    assert fresh.index.lexical.tokenizer._tagger is None  # what the first questions used to look up, each itself


def test_a_reloaded_bot_is_warmed_up_before_it_goes_live(live) -> None:  # noqa: F811
    settings, index = live
    holder = BotHolder(PolicyBot(settings, index, Glossary.load(settings.data_dir / GLOSSARY_FILE)))
    updater = Updater(holder, settings)
    assert updater.start_reload() and updater.wait(WAIT).state == "live"
    assert holder.current.index.lexical.tokenizer._tagger is not None


def test_a_reload_loads_no_jieba_dictionary_again(live, monkeypatch) -> None:  # noqa: F811
    """The leak of issue 19: every reload read jieba's dictionary twice (clause and question indexes) and its
    part-of-speech tags once more, some 175 MB of small objects whose freed heap stayed fragmented (+17 % RSS
    per worker over ten reloads). A reload of the same corpus now uses the live bot's dictionary and tagger."""
    import jieba

    settings, _ = live
    holder = BotHolder(
        PolicyBot(settings, load_index(settings.index_dir), Glossary.load(settings.data_dir / GLOSSARY_FILE))
    )
    updater = Updater(holder, settings)
    warm_up(holder.current)
    old = holder.current.index.lexical.tokenizer
    reads = []
    for method in ("initialize", "get_dict_file"):  # the two ways jieba reads its dictionary (counts, tags)
        real = getattr(jieba.Tokenizer, method)
        monkeypatch.setattr(
            jieba.Tokenizer, method, lambda self, *a, _real=real, _m=method: reads.append(_m) or _real(self, *a)
        )
    for _ in range(2):
        assert updater.start_reload() and updater.wait(WAIT).state == "live"
        assert holder.current.ask("临床试验启动时间要压缩到多久？").citations
    assert reads == []  # the old code: ["initialize", "get_dict_file", "initialize", ...] on every reload
    tokenizer = holder.current.index.lexical.tokenizer
    assert tokenizer is not old and tokenizer._dictionary is old._dictionary
    assert tokenizer._tagger.word_tag_tab is old._tagger.word_tag_tab
    questions = holder.current.index.questions
    if questions is not None:  # the question index has the clause index's words: the same dictionary
        assert questions.tokenizer._jieba is tokenizer._jieba


def test_tokenizers_with_other_words_get_their_own_dictionary_equal_to_jiebas() -> None:
    """A changed corpus (new titles and headings) gets a dictionary of its own, the same as jieba would make
    by itself, and the one no tokenizer uses any more is freed."""
    import jieba

    words = ("合成生物中试平台", "昌平生命谷", "人遗审批")
    first = Tokenizer(words)
    first.tokens("合成生物中试平台有什么支持？")
    gone = weakref.ref(first._dictionary)
    other = Tokenizer(words[:2])
    assert other._jieba is not first._jieba and Tokenizer(words)._jieba is first._jieba
    expected = jieba.Tokenizer()
    expected.initialize()
    for word in sorted(words):
        expected.add_word(word, freq=max(expected.suggest_freq(word), 2000))
    assert (first._jieba.FREQ, first._jieba.total) == (expected.FREQ, expected.total)
    assert first.general_frequency("人遗审批") == 0 and first._jieba.FREQ["人遗审批"] >= 2000
    del first
    gc.collect()
    assert gone() is None

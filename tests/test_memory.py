"""Issue 19, item 4: memory stays flat over index reloads; the bot is warmed up before it answers."""

from __future__ import annotations

import gc
import weakref
from dataclasses import replace

from bot import PolicyBot
from index import GLOSSARY_FILE, Glossary, load_index
from tests.test_reliability import live, small_data  # noqa: F401  (fixtures)
from web.holder import BotHolder
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
    # Every replaced bot and its tokenizer (the ~110 MB jieba dictionary) are gone: nothing keeps them.
    assert [(bot() is None, tokenizer() is None) for bot, tokenizer in olds] == [(True, True)] * 3
    assert holder.current.ask("外资研发中心有什么资金支持？").citations  # the live bot still answers


def test_the_server_bot_is_warmed_up_before_it_answers(live) -> None:  # noqa: F811
    settings, _ = live
    bot = load_bot(replace(settings, embed_model="none"))
    tokenizer = bot.index.lexical.tokenizer
    assert tokenizer._initialised and tokenizer._tagger is not None  # jieba and its tagger loaded already
    fresh = PolicyBot(settings, load_index(settings.index_dir), Glossary.load(settings.data_dir / GLOSSARY_FILE))
    assert fresh.index.lexical.tokenizer._tagger is None  # what the first questions used to load, each itself


def test_a_reloaded_bot_is_warmed_up_before_it_goes_live(live) -> None:  # noqa: F811
    settings, index = live
    holder = BotHolder(PolicyBot(settings, index, Glossary.load(settings.data_dir / GLOSSARY_FILE)))
    updater = Updater(holder, settings)
    assert updater.start_reload() and updater.wait(WAIT).state == "live"
    assert holder.current.index.lexical.tokenizer._tagger is not None

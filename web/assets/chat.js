// The public chat's page script, installed once on load (Gradio runs this function; see web/ui.py).
// It keeps the conversation in localStorage (never on the server), frames each answer so that its short answer
// and warnings are in view, and runs the copy / print / save buttons that each answer carries.
() => {
  if (window.policybot) return [];
  const KEY = "__STORAGE_KEY__";

  const store = {
    save(text) {
      // A save still on its way from an answer given before "clear conversation" must not bring it back.
      if (text && !document.querySelector("#pb-chat .pb-answer")) return;
      try {
        if (text) localStorage.setItem(KEY, text);
        else localStorage.removeItem(KEY);
      } catch (e) {
        // Full or disabled storage (private mode): the chat still works, it is just not kept.
      }
    },
    clear() {
      try { localStorage.removeItem(KEY); } catch (e) { /* nothing was kept */ }
    },
  };

  function scroller(element) {
    let box = element && element.parentElement;
    while (box && !(box.scrollHeight > box.clientHeight + 1 && /auto|scroll/.test(getComputedStyle(box).overflowY)))
      box = box.parentElement;
    return box && box !== document.documentElement && box !== document.body ? box : null;
  }

  function messages() {
    return [...document.querySelectorAll("#pb-chat [data-testid=user], #pb-chat [data-testid=bot]")];
  }

  // After an answer: its question at the top of the chat (or the answer itself when the question is long),
  // so the short answer and the warnings are what the asker sees, not the last citation card.
  function frame() {
    const users = document.querySelectorAll("#pb-chat [data-testid=user]");
    const bots = document.querySelectorAll("#pb-chat [data-testid=bot]");
    const asked = users[users.length - 1];
    const answer = bots[bots.length - 1];
    const box = scroller(answer || asked);
    if (!box || !answer) return;
    const room = box.getBoundingClientRect();
    const target = asked && asked.getBoundingClientRect().height < room.height * 0.3 ? asked : answer;
    box.scrollTop += target.getBoundingClientRect().top - room.top - 8;
    const top = box.getBoundingClientRect().top;
    if (top < 0 || top > window.innerHeight * 0.6) window.scrollBy(0, top - 8);
  }

  // While an answer is written, follow it (the chat's own autoscroll is off so that `frame` can win).
  let pending = false;
  new MutationObserver(() => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      const streaming = document.querySelector("#pb-chat .pb-streaming");
      const box = streaming && scroller(streaming);
      if (box) box.scrollTop = box.scrollHeight;
    });
  }).observe(document.body, { childList: true, subtree: true });

  function mark(button) {
    if (!button) return;
    button.classList.add("pb-copied");
    setTimeout(() => button.classList.remove("pb-copied"), 1500);
  }

  async function copy(text, button) {
    const value = text || "";
    try {
      await navigator.clipboard.writeText(value);
    } catch (e) {
      const area = document.createElement("textarea");
      area.value = value;
      document.body.appendChild(area);
      area.select();
      document.execCommand("copy");
      area.remove();
    }
    mark(typeof button === "string" ? document.querySelector(button) : button);
  }

  function source(answer, kind) {
    const element = answer && answer.querySelector(".pb-src-" + kind);
    return element ? element.textContent : "";
  }

  function lastPlain() {
    const answers = document.querySelectorAll("#pb-chat .pb-answer");
    return source(answers[answers.length - 1], "plain");
  }

  // The whole conversation as plain text: each question, then its answer with warnings and sources.
  function transcript() {
    const parts = [];
    let question = "";
    for (const message of messages()) {
      if (message.dataset.testid === "user") {
        const asked = message.querySelector(".pb-question");
        question = (asked ? asked.textContent : message.innerText).trim();
        continue;
      }
      const answer = message.querySelector(".pb-answer");
      const english = answer && answer.getAttribute("lang") === "en";
      const text = source(answer, "plain") || (answer ? answer.innerText : message.innerText);
      const asked = question ? (english ? "Q: " : "问：") + question + "\n" : "";
      parts.push(asked + (english ? "A: " : "答：") + text.trim());
      question = "";
    }
    return parts.join("\n\n");
  }

  let printing = 0;
  function printAnswer(answer) {
    // One printout per click: a double click (or a second click while the dialog opens) prints nothing more.
    if (Date.now() - printing < 1000) return;
    printing = Date.now();
    document.getElementById("pb-print-area")?.remove();
    const area = document.createElement("div");
    area.id = "pb-print-area";
    const copied = answer.cloneNode(true);
    copied.querySelectorAll("details").forEach((d) => { d.open = true; });
    area.appendChild(copied);
    // Inside Gradio's container, so that the cards keep their styles on paper.
    (document.querySelector(".gradio-container .contain") || document.body).appendChild(area);
    document.body.classList.add("pb-printing");
    const done = () => {
      area.remove();
      document.body.classList.remove("pb-printing");
      window.removeEventListener("afterprint", done);
    };
    window.addEventListener("afterprint", done);
    window.print();
  }

  function saveAnswer(answer) {
    const stamp = new Date().toISOString().slice(0, 16).replace(/[-:T]/g, "");
    const blob = new Blob(["\ufeff" + source(answer, "record")], { type: "text/plain;charset=utf-8" });
    const link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = "policybot-answer-" + stamp + ".txt";
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 10000);
  }

  document.addEventListener("click", (event) => {
    const button = event.target.closest && event.target.closest(".pb-act");
    const answer = button && button.closest(".pb-answer");
    if (!answer) return;
    event.preventDefault();
    if (button.classList.contains("pb-act-copy")) copy(source(answer, "plain"), button);
    else if (button.classList.contains("pb-act-print")) printAnswer(answer);
    else if (button.classList.contains("pb-act-save")) saveAnswer(answer);
  });

  // The 👎 comment box appears under the chat: bring it into view (on a phone it is below the fold).
  function showComment() {
    setTimeout(() => document.querySelector("#pb-feedback")?.scrollIntoView({ block: "center" }), 120);
  }

  window.policybot = { store, frame, copy, lastPlain, transcript, showComment };
  return [];
}

// Status page: replace the device rows and the store state on every server-sent "status" event.
"use strict";
(function () {
  const source = new EventSource("/events");
  source.addEventListener("status", function (event) {
    const status = JSON.parse(event.data);
    document.getElementById("devices").innerHTML = status.rows_html;
    document.getElementById("store").innerHTML = status.store_html;
    document.getElementById("updated").textContent = status.now;
    document.body.dataset.version = String((Number(document.body.dataset.version) || 0) + 1);
  });
  document.addEventListener("click", async function (event) {
    const button = event.target.closest("button.ack");
    if (!button) return;
    const token = document.getElementById("token").value;
    const answer = await fetch("/api/v1/alarms/" + encodeURIComponent(button.dataset.alarm) + "/ack", {
      method: "POST", headers: { "Authorization": "Bearer " + token },
    });
    const body = await answer.json();
    button.replaceWith(document.createTextNode(answer.ok ? "acknowledged" : body.error));
  });
})();

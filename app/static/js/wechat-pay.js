// WeChat Pay inside WeChat (JSAPI): hand the signed parameters on the page to WeChat's JS bridge.
// The server only trusts WeChat Pay's signed notice or its own lookup: "ok" here just moves on
// to the order's status page, which waits for that confirmation.
(function () {
  "use strict";
  var box = document.getElementById("wechat-pay");
  if (!box) return;
  var button = document.getElementById("wechat-pay-button");
  var message = document.getElementById("wechat-pay-message");
  var params = JSON.parse(box.dataset.params);

  function say(text) { message.textContent = text; }

  function pay() {
    if (typeof window.WeixinJSBridge === "undefined") { say(box.dataset.outside); return; }
    button.disabled = true;
    window.WeixinJSBridge.invoke("getBrandWCPayRequest", params, function (res) {
      button.disabled = false;
      var result = (res && res.err_msg) || "";
      if (result === "get_brand_wcpay_request:ok") {
        window.location.assign(box.dataset.done);
      } else if (result === "get_brand_wcpay_request:cancel") {
        say(box.dataset.cancelled);
      } else {
        say(box.dataset.failed);
      }
    });
  }

  button.addEventListener("click", pay);
  // Open WeChat Pay at once when the bridge is ready, as every WeChat checkout does.
  if (typeof window.WeixinJSBridge !== "undefined") {
    pay();
  } else {
    document.addEventListener("WeixinJSBridgeReady", pay, { once: true });
  }
})();

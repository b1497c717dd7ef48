// The sign-in page says why the last attempt came back here (?notice=…); the server never echoes input into it.
"use strict";
(() => {
  const notices = {
    key: "密钥无效、已吊销或已过期。(The key is wrong, revoked or expired.)",
    role: "此密钥不属于管理员，无权查看管理后台。(This key is not an administrator's.)",
    "signed-out": "已退出登录。(Signed out.)",
  };
  const notice = notices[new URLSearchParams(location.search).get("notice")];
  if (notice) {
    const element = document.getElementById("notice");
    element.textContent = notice;
    element.hidden = false;
  }
})();

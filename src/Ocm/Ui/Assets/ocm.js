// Ocm web interface: progressive enhancement only. Every page works without this script; with it, uploads show a
// progress bar per file (one XHR per file, streamed by the server), files can be dropped onto the list, dangerous
// buttons ask first, and one-time secrets can be copied.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  // Forms with data-confirm ask before they submit (revoke, disable, leave...).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });

  // A form with data-autosubmit goes at once (the hand-over to a share's web app); without script its button does it.
  var autosubmit = document.querySelector("form[data-autosubmit]");
  if (autosubmit) {
    autosubmit.submit();
  }

  // Buttons with data-copy="id" copy that element's text.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-copy]");
    if (!button) {
      return;
    }
    var source = document.getElementById(button.getAttribute("data-copy"));
    if (!source) {
      return;
    }
    var text = source.textContent.trim();
    var done = function () {
      button.textContent = "Copied";
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () {});
    } else {
      var range = document.createRange();
      range.selectNodeContents(source);
      var selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      if (document.execCommand("copy")) {
        done();
      }
    }
  });

  var form = document.getElementById("upload");
  if (!form) {
    return;
  }

  var input = document.getElementById("files");
  var list = document.getElementById("uploads");
  var dropzone = document.querySelector("[data-dropzone]");
  var overwrite = document.getElementById("overwrite");
  var queue = [];
  var active = 0;
  var finished = 0;
  var parallel = 2;

  function existingNames() {
    var names = {};
    document.querySelectorAll("#listing tr[data-name]").forEach(function (row) {
      names[row.getAttribute("data-name")] = true;
    });
    return names;
  }

  function formatBytes(bytes) {
    var units = ["B", "KiB", "MiB", "GiB", "TiB"];
    var value = bytes;
    var unit = 0;
    while (value >= 1024 && unit < units.length - 1) {
      value /= 1024;
      unit++;
    }
    return unit === 0 ? bytes + " B" : value.toFixed(1).replace(/\.0$/, "") + " " + units[unit];
  }

  function enqueue(files) {
    var names = existingNames();
    Array.prototype.forEach.call(files, function (file) {
      var replace = overwrite && overwrite.checked;
      if (names[file.name] && !replace) {
        if (!window.confirm("“" + file.name + "” already exists here. Replace it?")) {
          return;
        }
        replace = true;
      }
      var item = document.createElement("li");
      item.setAttribute("data-name", file.name);
      var name = document.createElement("span");
      name.className = "upload-name";
      name.textContent = file.name;
      var status = document.createElement("span");
      status.className = "upload-status";
      status.textContent = "waiting";
      var progress = document.createElement("progress");
      progress.max = Math.max(file.size, 1);
      progress.value = 0;
      progress.setAttribute("aria-label", "Upload of " + file.name);
      item.appendChild(name);
      item.appendChild(status);
      item.appendChild(progress);
      list.appendChild(item);
      queue.push({ file: file, replace: replace, item: item, status: status, progress: progress });
    });
    pump();
  }

  function pump() {
    while (active < parallel && queue.length > 0) {
      send(queue.shift());
    }
    if (active === 0 && queue.length === 0 && finished > 0) {
      finished = 0;
      refreshListing();
    }
  }

  function send(job) {
    active++;
    job.item.className = "running";
    job.status.textContent = "0 %";
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action + (job.replace ? "&overwrite=1" : ""));
    xhr.setRequestHeader("X-CSRF-Token", csrfToken());
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.addEventListener("progress", function (event) {
      if (event.lengthComputable) {
        // The body is the file plus a little multipart framing: scale to the file's size.
        var loaded = Math.min(job.file.size, Math.round(event.loaded / event.total * job.file.size));
        job.progress.value = loaded;
        job.status.textContent = Math.floor(event.loaded / event.total * 100) + " % of " + formatBytes(job.file.size);
      }
    });
    xhr.addEventListener("load", function () {
      if (xhr.status === 201) {
        job.progress.value = job.progress.max;
        job.item.className = "done";
        job.status.textContent = "Uploaded, " + formatBytes(job.file.size);
      } else {
        var message = "Failed (" + xhr.status + ")";
        try {
          var problem = JSON.parse(xhr.responseText);
          message = problem.detail || problem.title || message;
        } catch (e) {
          if (xhr.status === 401) {
            message = "Your session ended: sign in again.";
          }
        }
        job.item.className = "failed";
        job.status.textContent = message;
      }
      done();
    });
    xhr.addEventListener("error", function () {
      job.item.className = "failed";
      job.status.textContent = "The connection failed.";
      done();
    });
    var body = new FormData();
    body.append("files", job.file, job.file.name);
    xhr.send(body);
  }

  function done() {
    active--;
    finished++;
    pump();
  }

  // The list (and quota) are re-read from the server, so what is shown is what was stored.
  function refreshListing() {
    fetch(window.location.href, { headers: { Accept: "text/html" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : Promise.reject(response.status); })
      .then(function (html) {
        var page = new DOMParser().parseFromString(html, "text/html");
        ["listing", "quota"].forEach(function (id) {
          var fresh = page.getElementById(id);
          var current = document.getElementById(id);
          if (fresh && current) {
            current.innerHTML = fresh.innerHTML;
          }
        });
        list.setAttribute("data-refreshed", String(Date.now()));
      })
      .catch(function () {});
  }

  input.addEventListener("change", function () {
    if (input.files && input.files.length > 0) {
      enqueue(input.files);
      input.value = "";
    }
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (input.files && input.files.length > 0) {
      enqueue(input.files);
      input.value = "";
    }
  });

  if (dropzone) {
    ["dragenter", "dragover"].forEach(function (type) {
      dropzone.addEventListener(type, function (event) {
        if (event.dataTransfer && Array.prototype.indexOf.call(event.dataTransfer.types, "Files") >= 0) {
          event.preventDefault();
          dropzone.classList.add("dragover");
        }
      });
    });
    dropzone.addEventListener("dragleave", function () {
      dropzone.classList.remove("dragover");
    });
    dropzone.addEventListener("drop", function (event) {
      dropzone.classList.remove("dragover");
      if (event.dataTransfer && event.dataTransfer.files && event.dataTransfer.files.length > 0) {
        event.preventDefault();
        enqueue(event.dataTransfer.files);
      }
    });
  }

  window.addEventListener("beforeunload", function (event) {
    if (active > 0 || queue.length > 0) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
})();

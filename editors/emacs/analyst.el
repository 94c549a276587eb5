;;; analyst.el --- Ask analyst which change could have caused an incident  -*- lexical-binding: t; -*-

;; Install: put this file on your `load-path' and add (require 'analyst)
;; to your init file, or load it with M-x load-file.
;;
;; Select an error message or a stack trace and run M-x analyst-ask-region.
;; The region goes to `analyst ask -' on its stdin (no shell runs, so nothing
;; in the region is ever executed); the ranked suspects, and the explanation
;; when Ollama runs, appear in the *analyst* buffer.

;;; Code:

(defgroup analyst nil
  "Ask analyst which change could have caused an incident."
  :group 'tools)

(defcustom analyst-program "analyst"
  "The analyst program."
  :type 'string)

(defcustom analyst-ask-arguments '("ask" "-")
  "Arguments of `analyst-program' that read the incident from stdin.
For example (\"--home\" \"/path\" \"ask\" \"--since\" \"30d\" \"-\")."
  :type '(repeat string))

(defconst analyst-buffer-name "*analyst*"
  "The buffer the answer is shown in.")

;;;###autoload
(defun analyst-ask-region (start end)
  "Ask analyst which change could have caused the incident between START and END.
The answer, with analyst's warnings, is shown in the *analyst* buffer."
  (interactive "r")
  (let ((buf (get-buffer-create analyst-buffer-name))
        (process-connection-type nil))
    (with-current-buffer buf
      (let ((inhibit-read-only t))
        (erase-buffer)))
    (let ((status (apply #'call-process-region start end analyst-program
                         nil buf nil analyst-ask-arguments)))
      (with-current-buffer buf
        (let ((inhibit-read-only t))
          (unless (eql status 0)
            (goto-char (point-max))
            (insert (format "\nanalyst exited with status %s\n" status))))
        (goto-char (point-min))
        (special-mode)))
    (display-buffer buf)
    buf))

(provide 'analyst)
;;; analyst.el ends here

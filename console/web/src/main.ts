/** The dbwarden console's web app: one custom element per file; <dbw-app> is the page. */
import './elements/dbw-app.js';

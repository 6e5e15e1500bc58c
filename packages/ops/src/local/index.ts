export { createFileAlerter, type FileAlerterOptions } from "./file-alerter";

// The audit pages, public and officials', as one lazily loaded piece: they share
// their words and arithmetic, and one piece keeps the first load to its files.
export { AuditDesk } from './AuditDesk';
export { AuditListPage, AuditPage } from './AuditPage';

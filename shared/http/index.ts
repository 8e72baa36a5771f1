export { register, type Handler, type Input } from './register';
export { json } from './responses';

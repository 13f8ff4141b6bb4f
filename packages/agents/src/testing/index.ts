export {
  FakeApi,
  startFakeModelServer,
  type FakeAnswerReply,
  type FakeErrorReply,
  type FakeHangReply,
  type FakeModelScript,
  type FakeModelServer,
  type FakeReply,
  type FakeScriptEntry,
  type FakeToolCall,
  type RecordedRequest,
} from './fake-model-server.js';
